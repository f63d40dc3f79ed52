import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GemmkitError } from '@gemmkit/core';
import { describe, expect, it, vi } from 'vitest';
import { defineFlags, JitCompiler } from '../src/runtime/compiler.js';
import { DiskCache, defaultCacheDir } from '../src/runtime/disk-cache.js';
import { collectSources } from '../src/runtime/sources.js';

// These tests compile for real with nvcc (present on this machine and on CI's compile tier); NVRTC is
// pointed at a missing path so the nvcc fallback is what runs, deterministically.
const env = { ...process.env, GEMMKIT_NVRTC: '/nonexistent/libnvrtc.so.13' };

const SRC = `
#include <cuda_bf16.h>
extern "C" __global__ void axpy(float* y, const float* x, float a, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] += a * x[i] * SCALE;
}`;

function freshCache() {
  return new DiskCache(mkdtempSync(join(tmpdir(), 'gk-jit-')));
}

describe('JIT compiler (nvcc fallback) and disk cache', () => {
  it('falls back to nvcc when NVRTC is missing (auto mode)', () => {
    const c = new JitCompiler('auto', null, env);
    expect(c.backend().kind).toBe('nvcc');
    expect(c.backend().id).toMatch(/release \d+\.\d+/);
  });

  it('forcing nvrtc without the library fails with E_COMPILE naming it', () => {
    const c = new JitCompiler('nvrtc', null, env);
    expect(() => c.backend()).toThrowError(/E_COMPILE.*libnvrtc not found/);
  });

  it('cold compile, then warm hit from disk; prints both timings', () => {
    const cache = freshCache();
    const c = new JitCompiler('auto', cache, env);
    const spec = { source: SRC, name: 'axpy', defines: { SCALE: 2 } };
    const cold = c.compile(spec, 'sm_90a');
    expect(cold.source).toBe('compiled');
    expect(cold.compiler).toBe('nvcc');
    // An ELF cubin.
    expect([...cold.cubin.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    const warm = new JitCompiler('auto', cache, env).compile(spec, 'sm_90a');
    expect(warm.source).toBe('disk');
    expect(warm.key).toBe(cold.key);
    expect(Buffer.from(warm.cubin).equals(Buffer.from(cold.cubin))).toBe(true);
    console.log(
      `JIT nvcc sm_90a: cold compile ${cold.ms.toFixed(0)} ms, warm (disk) ${warm.ms.toFixed(2)} ms`,
    );
    expect(warm.ms).toBeLessThan(cold.ms);
  });

  it('keys change with defines, arch and options but not with define order', () => {
    const c = new JitCompiler('auto', freshCache(), env);
    const k = (d: Record<string, number>, arch = 'sm_90a', options: string[] = []) =>
      c.compile({ source: SRC, name: 'axpy', defines: d, options }, arch).key;
    const base = k({ SCALE: 2, X: 1 });
    expect(k({ X: 1, SCALE: 2 })).toBe(base);
    expect(k({ SCALE: 3, X: 1 })).not.toBe(base);
    expect(k({ SCALE: 2, X: 1 }, 'sm_89')).not.toBe(base);
    expect(k({ SCALE: 2, X: 1 }, 'sm_90a', ['-lineinfo'])).not.toBe(base);
  });

  it('detects a corrupted entry (flipped byte, truncation) and rebuilds it', () => {
    const cache = freshCache();
    const c = new JitCompiler('auto', cache, env);
    const spec = { source: SRC, name: 'axpy', defines: { SCALE: 5 } };
    const first = c.compile(spec, 'sm_90a');
    const path = cache.pathOf(first.key);
    const bytes = readFileSync(path);
    bytes[bytes.length - 10] ^= 0xff;
    writeFileSync(path, bytes);
    expect(cache.read(first.key).status).toBe('corrupt');
    const again = c.compile(spec, 'sm_90a');
    expect(again.source).toBe('compiled');
    expect(cache.read(first.key).status).toBe('hit');
    writeFileSync(path, readFileSync(path).subarray(0, 20));
    expect(cache.read(first.key)).toEqual({ status: 'corrupt', reason: 'bad header' });
    expect(c.compile(spec, 'sm_90a').source).toBe('compiled');
    expect(c.compile(spec, 'sm_90a').source).toBe('disk');
  });

  it('writes atomically: no temp files left, every overwrite leaves a valid entry', () => {
    const cache = freshCache();
    const key = 'ab'.repeat(32);
    for (let i = 0; i < 20; i++) {
      expect(cache.write(key, new Uint8Array(1000 + i).fill(i))).toBeNull();
      const r = cache.read(key);
      expect(r.status).toBe('hit');
      if (r.status === 'hit') expect(r.cubin.length).toBe(1000 + i);
    }
    expect(readdirSync(cache.dir)).toEqual([`${key}.cubin`]);
  });

  it('keeps working (and warns once) when the cache directory is not writable', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gk-ro-')), 'not-a-dir');
    writeFileSync(file, 'x');
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const c = new JitCompiler('auto', new DiskCache(join(file, 'cache')), env);
      expect(c.compile({ source: SRC, name: 'axpy', defines: { SCALE: 7 } }, 'sm_90a').source).toBe(
        'compiled',
      );
      expect(c.compile({ source: SRC, name: 'axpy', defines: { SCALE: 8 } }, 'sm_90a').source).toBe(
        'compiled',
      );
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0][0])).toMatch(/not writable/);
    } finally {
      warn.mockRestore();
    }
  });

  it('compile errors are E_COMPILE with the compiler output', () => {
    const c = new JitCompiler('auto', null, env);
    let err: unknown = null;
    try {
      c.compile({ source: 'extern "C" __global__ void k() { this_is_not_cuda; }', name: 'k' }, 'sm_90a');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GemmkitError);
    expect((err as GemmkitError).code).toBe('E_COMPILE');
    expect((err as GemmkitError).message).toMatch(/this_is_not_cuda/);
  });

  it('rejects bad arch, defines and missing files before compiling', () => {
    const c = new JitCompiler('auto', null, env);
    expect(() => c.compile({ source: SRC, name: 'axpy' }, 'compute_90')).toThrowError(/E_COMPILE.*arch/);
    expect(() => defineFlags({ 'BAD NAME': 1 })).toThrowError(/E_COMPILE.*C identifiers/);
    expect(() => defineFlags({ X: 'a b' })).toThrowError(/E_COMPILE/);
    expect(() => defineFlags({ X: Number.NaN })).toThrowError(/E_COMPILE/);
    expect(defineFlags({ B: true, A: 3, C: 'float' })).toEqual(['-DA=3', '-DB=1', '-DC=float']);
    expect(() => c.compile({ file: 'no_such_kernel.cu', name: 'k' }, 'sm_90a')).toThrowError(
      /E_COMPILE.*not found/,
    );
  });
});

describe('kernel sources', () => {
  it('follows local includes transitively and the key follows header edits', () => {
    const root = mkdtempSync(join(tmpdir(), 'gk-kern-'));
    mkdirSync(join(root, 'common'));
    mkdirSync(join(root, 'sm90'));
    writeFileSync(join(root, 'common', 'a.cuh'), '#pragma once\n#include "b.cuh"\n#define A_VAL 1\n');
    writeFileSync(join(root, 'common', 'b.cuh'), '#pragma once\n#define B_VAL 2\n');
    writeFileSync(
      join(root, 'sm90', 'k.cu'),
      '#include "a.cuh"\n#include <cuda_fp16.h>\nextern "C" __global__ void k(int* o) { o[0] = A_VAL + B_VAL; }\n',
    );
    const s = collectSources({ file: 'sm90/k.cu' }, root);
    expect(s.files.map((f) => f.path)).toEqual([
      join(root, 'common', 'a.cuh'),
      join(root, 'common', 'b.cuh'),
    ]);
    expect(s.includeDirs).toEqual([join(root, 'sm90'), root, join(root, 'common')]);
    const kenv = { ...env, GEMMKIT_CUDA_KERNELS: root };
    const c = new JitCompiler('auto', freshCache(), kenv);
    const k1 = c.compile({ file: 'sm90/k.cu', name: 'k' }, 'sm_90a');
    expect(c.compile({ file: 'sm90/k.cu', name: 'k' }, 'sm_90a').source).toBe('disk');
    writeFileSync(join(root, 'common', 'b.cuh'), '#pragma once\n#define B_VAL 3\n');
    const k2 = c.compile({ file: 'sm90/k.cu', name: 'k' }, 'sm_90a');
    expect(k2.key).not.toBe(k1.key);
    expect(k2.source).toBe('compiled');
  });

  it('default cache dir honours GEMMKIT_CACHE_DIR', () => {
    expect(defaultCacheDir({ GEMMKIT_CACHE_DIR: '/x/y' })).toBe('/x/y');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/c' })).toBe('/c/gemmkit/cuda');
    expect(existsSync(defaultCacheDir({}).split('/gemmkit')[0])).toBe(true);
  });
});
