import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GemmkitError, Tensor } from '@gemmkit/core';
import { describe, expect, it } from 'vitest';
import { CublasLt } from '../src/bindings/cublaslt.js';
import { CudaDriver } from '../src/bindings/driver.js';
import { libraryError } from '../src/bindings/errors.js';
import {
  isLoaded,
  libraryDirs,
  loadLibrary,
  pipNvidiaRoots,
  versionedCandidates,
} from '../src/bindings/library.js';
import { NativeBuffer } from '../src/bindings/native.js';
import { Nvrtc } from '../src/bindings/nvrtc.js';
import type { DevicePtr } from '../src/bindings/types.js';
import { tensorMapArgs } from '../src/runtime/tensor-map.js';

function fakeLibDir(files: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'gk-lib-'));
  for (const f of files) writeFileSync(join(dir, f), 'not an ELF');
  return dir;
}

describe('library discovery', () => {
  it('orders versioned sonames newest first and ignores look-alikes', () => {
    const dir = fakeLibDir([
      'libnvrtc.so.12',
      'libnvrtc.so.13',
      'libnvrtc.so.13.0.88',
      'libnvrtc.so',
      'libnvrtc-builtins.so.13',
      'libnvrtc.so.13.bak',
    ]);
    const names = versionedCandidates(dir, 'libnvrtc').map((p) => p.slice(dir.length + 1));
    expect(names).toEqual(['libnvrtc.so.13.0.88', 'libnvrtc.so.13', 'libnvrtc.so.12', 'libnvrtc.so']);
  });

  it('finds pip nvidia/<pkg>/lib folders under GEMMKIT_PYTHON_SITE and CUDA_HOME/lib64', () => {
    const site = mkdtempSync(join(tmpdir(), 'gk-site-'));
    mkdirSync(join(site, 'nvidia', 'cuda_nvrtc', 'lib'), { recursive: true });
    mkdirSync(join(site, 'nvidia', 'cu13', 'lib'), { recursive: true });
    const home = mkdtempSync(join(tmpdir(), 'gk-cuda-'));
    mkdirSync(join(home, 'lib64'));
    const env = { PATH: '', GEMMKIT_PYTHON_SITE: site, CUDA_HOME: home };
    expect(pipNvidiaRoots(env)).toContain(join(site, 'nvidia'));
    const dirs = libraryDirs(env);
    expect(dirs).toContain(join(site, 'nvidia', 'cuda_nvrtc', 'lib'));
    expect(dirs).toContain(join(site, 'nvidia', 'cu13', 'lib'));
    expect(dirs).toContain(join(home, 'lib64'));
    expect(dirs.indexOf(join(home, 'lib64'))).toBeLessThan(dirs.indexOf(join(site, 'nvidia', 'cu13', 'lib')));
  });

  it('reports every path it tried when nothing loads', () => {
    const home = mkdtempSync(join(tmpdir(), 'gk-home-'));
    const dir = join(home, 'lib64');
    mkdirSync(dir);
    for (const f of ['libgkfake.so.3', 'libgkfake.so.2']) writeFileSync(join(dir, f), 'not an ELF');
    const r = loadLibrary(['libgkfake-none.so.1'], 'libgkfake', {
      PATH: '',
      CUDA_HOME: home,
      GEMMKIT_PYTHON_SITE: '',
    });
    expect(isLoaded(r)).toBe(false);
    if (!isLoaded(r)) {
      expect(r.tried[0]).toBe('libgkfake-none.so.1');
      expect(r.tried.slice(1)).toEqual([join(dir, 'libgkfake.so.3'), join(dir, 'libgkfake.so.2')]);
      expect(r.errors.length).toBe(3);
    }
  });

  it('an override path is the only candidate', () => {
    const r = loadLibrary(['libc.so.6'], 'libc', { GK_OVERRIDE: '/nonexistent/libc.so.6' }, 'GK_OVERRIDE');
    expect(isLoaded(r)).toBe(false);
    if (!isLoaded(r)) expect(r.tried).toEqual(['/nonexistent/libc.so.6']);
    // Without the override the plain soname loads (proves the loader itself works on this machine).
    expect(isLoaded(loadLibrary(['libc.so.6'], 'libc', {}))).toBe(true);
  });
});

describe('binding load failures', () => {
  const env = {
    ...process.env,
    GEMMKIT_CUDA_DRIVER: '/nonexistent/libcuda.so.1',
    GEMMKIT_NVRTC: '/nonexistent/libnvrtc.so.13',
    GEMMKIT_CUBLASLT: '/nonexistent/libcublasLt.so.13',
  };
  it('CudaDriver.load throws E_DEVICE naming libcuda', () => {
    expect(() => CudaDriver.load(env)).toThrowError(GemmkitError);
    expect(() => CudaDriver.load(env)).toThrowError(/E_DEVICE.*libcuda\.so\.1/);
  });
  it('Nvrtc / CublasLt report a reason instead of throwing', () => {
    const n = Nvrtc.tryLoad(env);
    expect('reason' in n && n.reason).toMatch(/libnvrtc not found/);
    const b = CublasLt.tryLoad(env);
    expect('reason' in b && b.reason).toMatch(/libcublasLt not found/);
  });
  it('a library error carries the CUDA error name and maps OOM', () => {
    const e = libraryError('cuMemAlloc', 2, 'CUDA_ERROR_OUT_OF_MEMORY', 'out of memory', 'E_DEVICE', true);
    expect(e.code).toBe('E_OOM');
    expect(e.message).toContain('CUDA_ERROR_OUT_OF_MEMORY');
    expect(e.arg).toBe('cuMemAlloc');
    expect(e.cause).toBe('CUDA_ERROR_OUT_OF_MEMORY');
    const d = libraryError('cuLaunchKernel', 700, 'CUDA_ERROR_ILLEGAL_ADDRESS', undefined, 'E_DEVICE', false);
    expect(d.code).toBe('E_DEVICE');
    expect(d.actual).toBe('CUDA_ERROR_ILLEGAL_ADDRESS = 700');
  });
});

describe('native buffers', () => {
  it('are aligned, writable and report their address', () => {
    const b = new NativeBuffer(100, 64);
    expect(b.address % 64n).toBe(0n);
    b.view.setUint32(96, 0xdeadbeef, true);
    expect(b.bytes[96]).toBe(0xef);
    expect(b.byteLength).toBe(100);
    b.free();
    expect(b.disposed).toBe(true);
  });
});

describe('TMA descriptor arguments', () => {
  const at = (t: Tensor) => (0x7000_0000n + BigInt(t.offset)) as DevicePtr;
  it('reverses row-major shape/box into innermost-first arrays with byte strides', () => {
    const t = Tensor.host('bf16', [256, 512]);
    const a = tensorMapArgs({ tensor: t, box: [64, 64], swizzle: '128B' }, at);
    expect(a.dtype).toBe(9);
    expect(a.rank).toBe(2);
    expect([...a.dims]).toEqual([512n, 256n]);
    expect([...a.strides]).toEqual([1024n]);
    expect([...a.box]).toEqual([64, 64]);
    expect(a.swizzle).toBe(3);
    expect(a.addr).toBe(0x7000_0000n);
  });
  it('handles a 3-D fp8 tensor with explicit strides (byte TMA type)', () => {
    const a = tensorMapArgs(
      {
        ptr: 0x1000n as DevicePtr,
        dtype: 'e4m3',
        shape: [4, 128, 256],
        strides: [128 * 512, 512, 1],
        box: [1, 128, 128],
        swizzle: '128B',
      },
      at,
    );
    expect(a.dtype).toBe(0);
    expect([...a.dims]).toEqual([256n, 128n, 4n]);
    expect([...a.strides]).toEqual([512n, 65536n]);
    expect([...a.box]).toEqual([128, 128, 1]);
  });
  it('rejects bad descriptors with precise errors', () => {
    const t = Tensor.host('bf16', [256, 512]);
    expect(() => tensorMapArgs({ tensor: t, box: [64] }, at)).toThrowError(/E_SHAPE.*tensorMap\.box/);
    expect(() => tensorMapArgs({ tensor: t, box: [64, 128], swizzle: '128B' }, at)).toThrowError(
      /E_RANGE.*swizzle span/,
    );
    expect(() => tensorMapArgs({ tensor: t, box: [64, 4] }, at)).toThrowError(/E_ALIGN.*16 bytes/);
    expect(() => tensorMapArgs({ tensor: t, box: [0, 64] }, at)).toThrowError(/E_RANGE/);
    expect(() => tensorMapArgs({ tensor: t.transpose(), box: [64, 64] }, at)).toThrowError(/E_LAYOUT/);
    expect(() => tensorMapArgs({ tensor: Tensor.host('f32', [3, 3]), box: [1, 4] }, at)).toThrowError(
      /E_ALIGN.*strides/,
    );
    expect(() =>
      tensorMapArgs({ ptr: 0x1008n as DevicePtr, dtype: 'f32', shape: [16], box: [4] }, at),
    ).toThrowError(/E_ALIGN.*address/);
    expect(() =>
      tensorMapArgs(
        { ptr: 0x1000n as DevicePtr, dtype: 'f32', shape: [16], box: [4], swizzle: '16B' as never },
        at,
      ),
    ).toThrowError(/E_UNSUPPORTED/);
  });
});
