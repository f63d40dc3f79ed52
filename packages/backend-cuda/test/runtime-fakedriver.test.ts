import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpu } from '@gemmkit/backend-cpu';
import { type Context, createContext, GemmkitError, Tensor } from '@gemmkit/core';
import { moveView } from '@gemmkit/core/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CudaRuntime, cuda, cudaRuntimeOf } from '../src/index.js';

// The bindings and runtime against a fake libcuda (FAKE_CUDA_C below, built here with gcc): real FFI
// marshalling, real nvcc JIT, host memory as "device" memory and C stand-ins for the kernels.
const dir = mkdtempSync(join(tmpdir(), 'gk-fakecuda-'));
const lib = join(dir, 'libfakecuda.so');
const env = {
  ...process.env,
  GEMMKIT_CUDA_DRIVER: lib,
  GEMMKIT_NVRTC: '/nonexistent/libnvrtc.so',
  GEMMKIT_CUBLASLT: '/nonexistent/libcublasLt.so',
};

const SRC = `
struct alignas(8) Pair { int a; float b; };
struct alignas(64) Map128 { unsigned long long w[16]; };
extern "C" __global__ void gk_args(double* out, int i32, unsigned u32, float f32, long long i64, double f64,
                                   unsigned long long u64, Pair p, const __grid_constant__ Map128 m) { out[0] = i32; }
extern "C" __global__ void gk_scale(float* y, const float* x, float a, int n) { y[0] = a * x[0]; }
extern "C" __global__ void gk_status(const int* idx, int n, int limit, float* out, unsigned* status) { }
`;

let ctx: Context;
let rt: CudaRuntime;
let lastLaunch: () => bigint[];
let liveAllocs: () => number;

beforeAll(async () => {
  writeFileSync(join(dir, 'fake-cuda.c'), FAKE_CUDA_C);
  execFileSync('gcc', ['-shared', '-fPIC', '-O1', '-o', lib, join(dir, 'fake-cuda.c')]);
  const koffi = createRequire(import.meta.url)('koffi');
  const fake = koffi.load(lib);
  const fll = fake.func('void fake_last_launch(void *out)');
  lastLaunch = () => {
    const b = Buffer.alloc(16 * 8);
    fll(b);
    return Array.from({ length: 16 }, (_, i) => b.readBigUInt64LE(i * 8));
  };
  liveAllocs = fake.func('int fake_live_allocs()');
  ctx = await createContext({
    backends: [cuda({ env, cacheDir: join(dir, 'cache'), stagingBytes: 4096, blasMinMacs: 0 }), cpu()],
  });
  rt = cudaRuntimeOf(ctx.get('cuda'));
}, 60_000);

afterAll(async () => {
  await ctx?.dispose();
  // The library, its source and the kernel cache of this run (a fresh directory per run).
  rmSync(dir, { recursive: true, force: true });
});

const K = (name: string) => rt.getKernel({ source: SRC, name });

describe('runtime on a fake driver', () => {
  it('creates the backend: device, arch caps, capabilities', () => {
    const s = ctx.status.find((x) => x.name === 'cuda')!;
    expect(s.available).toBe(true);
    expect(ctx.backend.name).toBe('cuda');
    expect(s.capabilities?.device).toBe('Fake H100');
    expect(s.capabilities?.arch).toBe('sm_90a');
    expect(s.capabilities?.features.smCount).toBe(132);
    expect(s.capabilities?.features.jit).toMatch(/^nvcc.*release \d+\.\d+/);
    expect(s.capabilities?.ops).toEqual(expect.arrayContaining(['bmmFp16', 'bmmFp8']));
    expect(rt.device.maxSharedOptin).toBe(232448);
    expect(rt.device.driverVersion).toBe(13000);
  });

  it('round-trips bytes through the pinned staging slots (chunked)', async () => {
    const b = ctx.get('cuda');
    for (const n of [1, 4095, 4096, 10_000, 65_537]) {
      const src = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n) & 0xff);
      const t = b.fromHost(Tensor.host('u8', [n], src));
      const copy = src.slice();
      src.fill(0); // the upload captured the bytes
      expect((await t.toHost()).hostBytes()).toEqual(copy);
      t.dispose();
    }
  });

  it('reads device bytes synchronously for host-side index validation', () => {
    const idx = ctx.to(
      Tensor.host('i32', [4], new Uint8Array(Int32Array.from([3, -1, 7, 9]).buffer)),
      'cuda',
    );
    const s = idx.storage as import('../src/index.js').CudaStorage;
    expect([...new Int32Array(s.readSync(4, 8).slice().buffer)]).toEqual([-1, 7]);
    expect(() => s.readSync(8, 12)).toThrowError(/E_RANGE.*storage\.read/);
    idx.dispose();
    expect(() => s.readSync(0, 4)).toThrowError(/E_DISPOSED/);
  });

  it('moves strided host views as contiguous device tensors', async () => {
    const h = Tensor.host(
      'i32',
      [3, 5],
      new Uint8Array(Int32Array.from({ length: 15 }, (_, i) => i * 7).buffer),
    );
    const d = ctx.to(h.transpose(), 'cuda');
    expect(d.device).toBe('cuda');
    expect(d.isContiguous).toBe(true);
    const back = new Int32Array((await d.toHost()).hostBytes().slice().buffer);
    expect([...back]).toEqual([0, 35, 70, 7, 42, 77, 14, 49, 84, 21, 56, 91, 28, 63, 98]);
    // A view on the device reads back through its offset.
    const row = (await d.narrow(0, 2, 1).toHost()).hostBytes();
    expect([...new Int32Array(row.slice().buffer)]).toEqual([14, 49, 84]);
  });

  it('packs every argument kind exactly as the kernel reads it', async () => {
    const out = ctx.empty('i64', [11], { backend: 'cuda' });
    const pair = new Uint8Array(8);
    new DataView(pair.buffer).setInt32(0, -42, true);
    new DataView(pair.buffer).setFloat32(4, 0.75, true);
    const map = new Uint8Array(128);
    new DataView(map.buffer).setBigUint64(0, 123456789n, true);
    new DataView(map.buffer).setBigUint64(120, 987654321n, true);
    K('gk_args').launch({
      grid: [2, 3],
      block: 64,
      args: [
        out,
        { i32: -7 },
        { u32: 4000000000 },
        { f32: 1.5 },
        { i64: -(2n ** 40n) },
        { f64: 0.1 },
        { u64: 2n ** 63n },
        { bytes: pair, align: 8 },
        { bytes: map, align: 64 },
      ],
    });
    const got = new Float64Array((await out.toHost()).hostBytes().slice().buffer);
    expect([...got]).toEqual([
      -7,
      4000000000,
      1.5,
      -(2 ** 40),
      0.1,
      2 ** 51,
      -42,
      0.75,
      123456789,
      987654321,
      0,
    ]);
    expect(lastLaunch().slice(0, 8)).toEqual([2n, 3n, 1n, 64n, 1n, 1n, 0n, rt.stream]);
  });

  it('launches clusters through cuLaunchKernelEx with the attribute filled in', () => {
    const x = ctx.to(Tensor.host('f32', [4], new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer)), 'cuda');
    const y = ctx.empty('f32', [4], { backend: 'cuda' });
    K('gk_scale').launch({
      grid: [4, 2],
      block: 128,
      sharedBytes: 1000,
      cluster: [2, 1],
      args: [y, x, { f32: 2 }, { i32: 4 }],
    });
    const l = lastLaunch();
    expect(l.slice(0, 7)).toEqual([4n, 2n, 1n, 128n, 1n, 1n, 1000n]);
    expect(l.slice(8, 13)).toEqual([2n, 1n, 1n, 1n, 1n]);
    expect(() =>
      K('gk_scale').launch({ grid: 3, block: 128, cluster: 2, args: [y, x, { f32: 2 }, { i32: 4 }] }),
    ).toThrowError(/E_RANGE.*cluster/);
  });

  it('raises the dynamic shared memory limit above 48 KiB and rejects more than the device has', async () => {
    const x = ctx.to(Tensor.host('f32', [2], new Uint8Array(new Float32Array([1, 2]).buffer)), 'cuda');
    const y = ctx.empty('f32', [2], { backend: 'cuda' });
    // The fake fails the launch unless cuFuncSetAttribute raised the limit first.
    K('gk_scale').launch({ grid: 1, block: 32, sharedBytes: 200_000, args: [y, x, { f32: 3 }, { i32: 2 }] });
    expect([...(await y.toHost()).toFloat32Array()]).toEqual([3, 6]);
    expect(() =>
      K('gk_scale').launch({ grid: 1, block: 32, sharedBytes: 232449, args: [y, x, { f32: 3 }, { i32: 2 }] }),
    ).toThrowError(/E_RANGE.*sharedBytes/);
    expect(() =>
      K('gk_scale').launch({ grid: 1, block: 2048, args: [y, x, { f32: 3 }, { i32: 2 }] }),
    ).toThrowError(/E_RANGE.*block/);
  });

  it('turns a device status flag into E_RANGE at sync, then resets', async () => {
    const idx = ctx.to(Tensor.host('i32', [4], new Uint8Array(Int32Array.from([0, 9, 2, 1]).buffer)), 'cuda');
    const out = ctx.empty('f32', [4], { backend: 'cuda' });
    K('gk_status').launch({
      grid: 1,
      block: 32,
      args: [idx, { i32: 4 }, { i32: 4 }, out, rt.status.arg('fakeOp')],
    });
    const err = await ctx.sync().then(
      () => null,
      (e: unknown) => e as GemmkitError,
    );
    expect(err).toBeInstanceOf(GemmkitError);
    expect(err?.code).toBe('E_RANGE');
    expect(err?.arg).toBe('fakeOp');
    expect(err?.actual).toEqual(['bad_expert_id']);
    await ctx.sync();
    expect([...(await out.toHost()).toFloat32Array()]).toEqual([0, -1, 2, 1]);
    // toHost() also surfaces a pending flag.
    K('gk_status').launch({
      grid: 1,
      block: 32,
      args: [idx, { i32: 4 }, { i32: 4 }, out, rt.status.arg('fakeOp')],
    });
    await expect(out.toHost()).rejects.toThrowError(/E_RANGE.*fakeOp/);
  });

  it('maps CUDA_ERROR_OUT_OF_MEMORY to E_OOM with the CUDA error name', () => {
    let err: GemmkitError | null = null;
    try {
      ctx.empty('u8', [2 ** 41], { backend: 'cuda' });
    } catch (e) {
      err = e as GemmkitError;
    }
    expect(err?.code).toBe('E_OOM');
    expect(err?.message).toMatch(/CUDA_ERROR_OUT_OF_MEMORY/);
    expect(err?.arg).toBe('cuMemAlloc');
  });

  it('encodes TMA descriptors with innermost-first arrays', () => {
    const t = ctx.empty('bf16', [64, 256], { backend: 'cuda' });
    const tm = rt.tensorMap({ tensor: t, box: [32, 64], swizzle: '128B' });
    const w = new BigUint64Array(tm.bytes.slice().buffer);
    expect([...w.slice(0, 12)]).toEqual([
      9n,
      2n,
      rt.tensorAddress(t),
      256n,
      64n,
      512n,
      64n,
      32n,
      3n,
      3n,
      0n,
      1n,
    ]);
    expect(tm.align).toBe(64);
  });

  it('caches kernels in memory and on disk; reports missing kernels as E_COMPILE', () => {
    const before = { ...rt.jitStats };
    expect(K('gk_scale')).toBe(K('gk_scale'));
    expect(rt.jitStats.memoryHits).toBeGreaterThan(before.memoryHits);
    expect(() => K('gk_missing')).toThrowError(/E_COMPILE.*gk_missing.*extern "C"/);
    expect(() => rt.getKernel({ source: SRC, name: 'bad name' })).toThrowError(/E_COMPILE/);
  });

  it('reports cuBLASLt as unavailable with the reason', () => {
    expect(() => rt.blas).toThrowError(/E_UNSUPPORTED.*libcublasLt not found/);
  });

  it('reuses allocator blocks across ops', () => {
    const b = ctx.get('cuda');
    const before = rt.allocator.stats.deviceAllocs;
    for (let i = 0; i < 50; i++) b.empty('f32', [300, 7]).dispose();
    expect(rt.allocator.stats.deviceAllocs - before).toBeLessThanOrEqual(1);
  });

  it('rejects tensors of another device and disposed tensors', () => {
    const h = Tensor.host('f32', [2]);
    expect(() => rt.tensorAddress(h, 'x')).toThrowError(/E_DEVICE/);
    const d = ctx.empty('f32', [2], { backend: 'cuda' });
    d.dispose();
    expect(() => rt.tensorAddress(d, 'x')).toThrowError(/E_DISPOSED/);
    expect(() => K('gk_scale').launch({ grid: 1, block: 1, args: [d] })).toThrowError(/E_DISPOSED/);
  });

  it('makes the right context current when runtimes of two devices are used in turn', async () => {
    const c2 = await createContext({ backends: [cuda({ env, cacheDir: join(dir, 'cache'), device: 1 })] });
    const rt1 = cudaRuntimeOf(c2.get('cuda'));
    expect(rt1.context).not.toBe(rt.context);
    const x = ctx.to(Tensor.host('f32', [1], new Uint8Array(new Float32Array([2]).buffer)), 'cuda');
    const y = ctx.empty('f32', [1], { backend: 'cuda' });
    rt1.getKernel({ source: SRC, name: 'gk_scale' }); // rt1's context is now current
    K('gk_scale').launch({ grid: 1, block: 1, args: [y, x, { f32: 2 }, { i32: 1 }] });
    expect(lastLaunch()[13]).toBe(rt.context);
    const x1 = c2.to(Tensor.host('f32', [1], new Uint8Array(new Float32Array([5]).buffer)), 'cuda');
    const y1 = c2.empty('f32', [1]);
    rt1
      .getKernel({ source: SRC, name: 'gk_scale' })
      .launch({ grid: 1, block: 1, args: [y1, x1, { f32: 2 }, { i32: 1 }] });
    expect(lastLaunch()[13]).toBe(rt1.context);
    expect(() => rt.tensorAddress(x1, 'x')).toThrowError(/E_DEVICE/);
    expect([...(await y.toHost()).toFloat32Array()]).toEqual([4]);
    expect([...(await y1.toHost()).toFloat32Array()]).toEqual([10]);
    await c2.dispose();
  });

  it('a new runtime after a kernel fault (sticky error) resets the primary context once and works', async () => {
    const koffi = createRequire(import.meta.url)('koffi');
    const fake = koffi.load(lib);
    fake.func('void fake_make_sticky()')();
    const resets = fake.func('int fake_resets()');
    const before = resets();
    const c2 = await createContext({ backends: [cuda({ env, cacheDir: false })] });
    expect(c2.status.find((s) => s.name === 'cuda')?.available).toBe(true);
    expect(resets()).toBe(before + 1);
    await c2.dispose();
  });

  it('dispose frees every block, cached or still held, and live tensors report E_DISPOSED', async () => {
    const c2 = await createContext({ backends: [cuda({ env, cacheDir: false })] });
    const base = liveAllocs();
    const b = c2.get('cuda');
    const kept = b.empty('f32', [1000]);
    const freed = [b.empty('u8', [5]), b.empty('bf16', [64, 64])];
    for (const t of freed) t.dispose();
    expect(liveAllocs()).toBeGreaterThan(base);
    await c2.dispose();
    // The status word block is freed too: back below where this context started.
    expect(liveAllocs()).toBeLessThan(base);
    await expect(kept.toHost()).rejects.toThrowError(/E_DISPOSED/);
    expect(() => kept.dispose()).not.toThrow();
    expect(() => b.empty('f32', [1])).toThrowError(/E_DISPOSED/);
  });
});

describe('cuBLASLt ops on a fake cuBLASLt', () => {
  let lt: Context;
  let lastMatmul: () => bigint[];
  beforeAll(async () => {
    lt = await createContext({
      backends: [
        cuda({ env: { ...env, GEMMKIT_CUBLASLT: lib }, cacheDir: join(dir, 'cache'), blasMinMacs: 0 }),
      ],
    });
    const koffi = createRequire(import.meta.url)('koffi');
    const f = koffi.load(lib).func('void fake_last_matmul(void *out)');
    lastMatmul = () => {
      const b = Buffer.alloc(32 * 8);
      f(b);
      return Array.from({ length: 32 }, (_, i) => b.readBigUInt64LE(i * 8));
    };
  });
  afterAll(async () => {
    await lt?.dispose();
  });
  const f32 = (v: number) => Tensor.host('f32', [1], new Uint8Array(new Float32Array([v]).buffer));
  const dev = (t: Tensor) => moveView(lt, t, 'cuda');

  it('bmmFp8: TN layout, swapped operands, per-tensor scale pointers, batch strides', () => {
    const a = dev(Tensor.host('e4m3', [2, 32, 64]));
    const b = dev(Tensor.host('e4m3', [2, 48, 64]).transpose(1, 2));
    const aScale = dev(f32(0.5));
    const bScale = dev(f32(2));
    const out = lt.ops.bmmFp8({ a, b, aScale, bScale, outDtype: 'bf16' });
    const r = cudaRuntimeOf(lt.get('cuda'));
    const addr = (t: Tensor) => r.tensorAddress(t);
    const m = lastMatmul();
    expect(m.slice(0, 2)).toEqual([1n, 0n]); // cuBLAS A (our b) transposed, B (our a) not
    expect(m.slice(2, 7)).toEqual([addr(b), 28n, 64n, 48n, 64n]);
    expect(m.slice(7, 12)).toEqual([addr(a), 28n, 64n, 32n, 64n]);
    expect(m.slice(12, 19)).toEqual([addr(out), 48n, addr(out), 14n, 48n, 32n, 48n]);
    expect(m.slice(19, 23)).toEqual([2n, 48n * 64n, 32n * 64n, 32n * 48n]);
    expect(m.slice(23, 27)).toEqual([addr(bScale), addr(aScale), 1000n, 0n]);
    expect(m[27]).toBe(0xa1n);
    expect(m[29]).toBe(r.stream);
  });

  it('bmmFp16: row-major b is a plain column-major view, c is added with beta = 1', () => {
    const a = dev(Tensor.host('bf16', [1, 8, 16]));
    const b = dev(Tensor.host('bf16', [1, 16, 24]));
    const c = dev(Tensor.host('bf16', [1, 8, 24]));
    lt.ops.bmmFp16({ a, b, c, outDtype: 'bf16' });
    const r = cudaRuntimeOf(lt.get('cuda'));
    const m = lastMatmul();
    expect(m.slice(0, 2)).toEqual([0n, 0n]);
    expect(m.slice(3, 7)).toEqual([14n, 24n, 16n, 24n]); // our b as N×K col-major, ld N
    expect(m.slice(8, 12)).toEqual([14n, 16n, 8n, 16n]); // our a as K×M col-major, ld K
    expect(m[12]).toBe(r.tensorAddress(c));
    expect(m[13]).toBe(24n);
    expect(m.slice(25, 27)).toEqual([1000n, 1000n]);
  });

  it('problems up to blasMinMacs multiply-adds (default 128^3) skip cuBLASLt for the CUDA kernels', async () => {
    const d = await createContext({
      backends: [cuda({ env: { ...env, GEMMKIT_CUBLASLT: lib }, cacheDir: join(dir, 'cache') })],
    });
    try {
      const on = (t: Tensor) => moveView(d, t, 'cuda');
      const gemm = (m: number) =>
        d.ops.bmmFp16({
          a: on(Tensor.host('bf16', [1, m, 128])),
          b: on(Tensor.host('bf16', [1, 128, 128])),
          outDtype: 'bf16',
        });
      const before = lastMatmul();
      const launches = lastLaunch();
      gemm(128); // 128^3: at the default threshold
      expect(lastMatmul()).toEqual(before);
      expect(lastLaunch()).not.toEqual(launches);
      gemm(129); // above it: cuBLASLt
      expect(lastMatmul()).not.toEqual(before);
      expect(cudaRuntimeOf(d.get('cuda')).blasMinMacs).toBe(128 ** 3);
    } finally {
      await d.dispose();
    }
  }, 180_000);

  it('falls back to the CUDA kernels when cuBLASLt has no algorithm', () => {
    const before = lastMatmul();
    const launches = lastLaunch();
    const a = dev(Tensor.host('e4m3', [1, 37, 64]));
    const b = dev(Tensor.host('e4m3', [1, 53, 64]).transpose(1, 2));
    const out = lt.ops.bmmFp8({ a, b, aScale: dev(f32(1)), bScale: dev(f32(1)), outDtype: 'f16' });
    expect(out.shape).toEqual([1, 37, 53]);
    expect(lastMatmul()).toEqual(before); // cuBLASLt enqueued nothing
    expect(lastLaunch()).not.toEqual(launches); // a CUDA kernel was launched instead
  }, 180_000);
});

// biome-ignore format: C source
const FAKE_CUDA_C = `// A fake CUDA driver (libcuda subset) for testing the koffi bindings and the runtime on machines without a
// GPU: "device" memory is host memory, copies are memcpy, and launching a kernel runs a C stand-in chosen by
// the kernel's name, which reads the packed kernelParams exactly as the GPU would. Test fixture only.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef unsigned long long u64;
enum { OK = 0, INVALID_VALUE = 1, OOM = 2, NOT_FOUND = 500, NOT_READY = 600 };

static u64 last_launch[16];  // grid xyz, block xyz, smem, stream, cluster xyz, numAttrs, via_ex
static int dyn_smem_attr = 0;
static int live_allocs = 0;

CUresult cuInit(unsigned f) { return f == 0 ? OK : INVALID_VALUE; }
CUresult cuDriverGetVersion(int* v) { *v = 13000; return OK; }
CUresult cuGetErrorName(int e, const char** s) {
  *s = e == OOM ? "CUDA_ERROR_OUT_OF_MEMORY" : e == INVALID_VALUE ? "CUDA_ERROR_INVALID_VALUE" : e == NOT_FOUND ? "CUDA_ERROR_NOT_FOUND" : e == 715 ? "CUDA_ERROR_ILLEGAL_INSTRUCTION" : "CUDA_ERROR_UNKNOWN";
  return OK;
}
CUresult cuGetErrorString(int e, const char** s) { *s = e == OOM ? "out of memory" : "fake error"; return OK; }
CUresult cuDeviceGetCount(int* n) { *n = 2; return OK; }
CUresult cuDeviceGet(int* d, int i) { if (i < 0 || i > 1) return INVALID_VALUE; *d = i; return OK; }
CUresult cuDeviceGetName(char* name, int len, int d) { strncpy(name, "Fake H100", len); return OK; }
CUresult cuDeviceGetAttribute(int* v, int a, int d) {
  switch (a) {
    case 75: *v = 9; break;            // cc major
    case 76: *v = 0; break;            // cc minor
    case 16: *v = 132; break;          // SMs
    case 38: *v = 50 << 20; break;     // L2
    case 97: *v = 232448; break;       // smem optin
    case 81: *v = 233472; break;
    default: *v = 1;
  }
  return OK;
}
CUresult cuDeviceTotalMem_v2(size_t* b, int d) { *b = (size_t)80 << 30; return OK; }
static u64 current_ctx = 0;
CUresult cuDevicePrimaryCtxRetain(u64* c, int d) { *c = 0xC0C0 + d; return OK; }
CUresult cuDevicePrimaryCtxRelease_v2(int d) { return OK; }
// fake_make_sticky(): the primary context is broken (as after a kernel fault) until it is reset.
static int sticky = 0, resets = 0;
void fake_make_sticky(void) { sticky = 1; }
int fake_resets(void) { return resets; }
CUresult cuDevicePrimaryCtxReset_v2(int d) { sticky = 0; resets++; return OK; }
CUresult cuCtxSetCurrent(u64 c) { if (c != 0xC0C0 && c != 0xC0C1) return INVALID_VALUE; current_ctx = c; return OK; }
CUresult cuCtxSynchronize(void) { return OK; }
CUresult cuMemGetInfo_v2(size_t* f, size_t* t) { *f = 1 << 30; *t = 2u << 30; return OK; }
CUresult cuMemAlloc_v2(u64* p, size_t n) {
  if (n > ((size_t)1 << 40)) return OOM;
  void* m = malloc(n ? n : 1);
  if (!m) return OOM;
  live_allocs++;
  *p = (u64)(uintptr_t)m;
  return OK;
}
CUresult cuMemFree_v2(u64 p) { free((void*)(uintptr_t)p); live_allocs--; return OK; }
CUresult cuMemAllocAsync(u64* p, size_t n, u64 s) { return cuMemAlloc_v2(p, n); }
CUresult cuMemFreeAsync(u64 p, u64 s) { return cuMemFree_v2(p); }
CUresult cuMemHostAlloc(void** p, size_t n, unsigned f) { *p = malloc(n); return *p ? OK : OOM; }
CUresult cuMemFreeHost(u64 p) { free((void*)(uintptr_t)p); return OK; }
CUresult cuMemcpyHtoDAsync_v2(u64 d, u64 s, size_t n, u64 st) { memcpy((void*)(uintptr_t)d, (void*)(uintptr_t)s, n); return OK; }
CUresult cuMemcpyDtoHAsync_v2(u64 d, u64 s, size_t n, u64 st) { memcpy((void*)(uintptr_t)d, (void*)(uintptr_t)s, n); return OK; }
CUresult cuMemcpyDtoD_v2(u64 d, u64 s, size_t n) { memmove((void*)(uintptr_t)d, (void*)(uintptr_t)s, n); return OK; }
CUresult cuMemcpyDtoDAsync_v2(u64 d, u64 s, size_t n, u64 st) { return cuMemcpyDtoD_v2(d, s, n); }
CUresult cuMemsetD8Async(u64 d, unsigned char v, size_t n, u64 s) { memset((void*)(uintptr_t)d, v, n); return OK; }
CUresult cuMemsetD32Async(u64 d, unsigned v, size_t n, u64 s) {
  unsigned* p = (unsigned*)(uintptr_t)d;
  for (size_t i = 0; i < n; i++) p[i] = v;
  return OK;
}
CUresult cuStreamCreate(u64* s, unsigned f) { if (sticky) return 715; *s = 0x5700 + f; return OK; }
CUresult cuStreamDestroy_v2(u64 s) { return OK; }
CUresult cuStreamSynchronize(u64 s) { return OK; }
CUresult cuStreamQuery(u64 s) { return OK; }
CUresult cuStreamWaitEvent(u64 s, u64 e, unsigned f) { return OK; }
static u64 next_event = 0xE000;
CUresult cuEventCreate(u64* e, unsigned f) { *e = ++next_event; return OK; }
CUresult cuEventDestroy_v2(u64 e) { return OK; }
CUresult cuEventRecord(u64 e, u64 s) { return OK; }
CUresult cuEventSynchronize(u64 e) { return OK; }
CUresult cuEventQuery(u64 e) { return OK; }
CUresult cuEventElapsedTime_v2(float* ms, u64 a, u64 b) { *ms = (float)(b - a) * 0.5f; return OK; }
CUresult cuModuleLoadData(u64* m, const void* image) {
  const unsigned char* p = image;
  if (!(p[0] == 0x7f && p[1] == 'E' && p[2] == 'L' && p[3] == 'F')) return INVALID_VALUE;  // a cubin is ELF
  *m = 0x3000;
  return OK;
}
// Functions are identified by name; the stand-ins below run on the host.
static const char* names[] = {"gk_args", "gk_scale", "gk_status", 0};
CUresult cuModuleGetFunction(u64* f, u64 m, const char* name) {
  for (int i = 0; names[i]; i++)
    if (!strcmp(names[i], name)) { *f = 0xF000 + i; return OK; }
  if (!strcmp(name, "gk_missing")) return NOT_FOUND;
  *f = 0xF0FF;  // any other kernel (the op launchers' own): launches as a no-op
  return OK;
}
CUresult cuModuleUnload(u64 m) { return OK; }
CUresult cuFuncSetAttribute(u64 f, int a, int v) { if (a == 8) dyn_smem_attr = v; return OK; }
CUresult cuFuncGetAttribute(int* v, int a, u64 f) { *v = a == 0 ? 1024 : a == 4 ? 40 : 0; return OK; }

static void run(u64 f, void** p, unsigned threads) {
  if (f == 0xF000) {  // gk_args(double* out, int, unsigned, float, long long, double, u64, Pair{int,float}, Map128)
    double* out = *(double**)p[0];
    out[0] = *(int*)p[1]; out[1] = *(unsigned*)p[2]; out[2] = *(float*)p[3]; out[3] = (double)*(long long*)p[4];
    out[4] = *(double*)p[5]; out[5] = (double)(*(u64*)p[6] >> 12);
    out[6] = *(int*)p[7]; out[7] = *(float*)((char*)p[7] + 4);
    out[8] = (double)((u64*)p[8])[0]; out[9] = (double)((u64*)p[8])[15];
    out[10] = (double)(((uintptr_t)p[8]) % 64);  // alignment of the by-value struct
  } else if (f == 0xF001) {  // gk_scale(float* y, const float* x, float a, int n)
    float* y = *(float**)p[0]; const float* x = *(float**)p[1]; float a = *(float*)p[2]; int n = *(int*)p[3];
    for (int i = 0; i < n; i++) y[i] = a * x[i];
  } else if (f == 0xF002) {  // gk_status(const int* idx, int n, int limit, float* out, unsigned* status)
    const int* idx = *(int**)p[0]; int n = *(int*)p[1]; int lim = *(int*)p[2]; float* out = *(float**)p[3];
    unsigned* st = *(unsigned**)p[4];
    for (int i = 0; i < n; i++) {
      if (idx[i] < 0 || idx[i] >= lim) { *st |= 1u; out[i] = -1.f; } else out[i] = (float)idx[i];
    }
  }
}
CUresult cuLaunchKernel(u64 f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, unsigned smem,
                        u64 stream, void** params, void** extra) {
  u64 v[] = {gx, gy, gz, bx, by, bz, smem, stream, 0, 0, 0, 0, 0, current_ctx};
  memcpy(last_launch, v, sizeof v);
  if (smem > 48 * 1024 && smem > (unsigned)dyn_smem_attr) return INVALID_VALUE;
  run(f, params, bx * by * bz);
  return OK;
}
typedef struct { unsigned id; char pad[4]; unsigned v[16]; } Attr;
typedef struct { unsigned g[3], b[3], smem; u64 stream; Attr* attrs; unsigned n; } Config;
CUresult cuLaunchKernelEx(const Config* c, u64 f, void** params, void** extra) {
  u64 v[] = {c->g[0], c->g[1], c->g[2], c->b[0], c->b[1], c->b[2], c->smem, c->stream, 0, 0, 0, c->n, 1, current_ctx};
  if (c->n > 0 && c->attrs[0].id == 4) { v[8] = c->attrs[0].v[0]; v[9] = c->attrs[0].v[1]; v[10] = c->attrs[0].v[2]; }
  memcpy(last_launch, v, sizeof v);
  run(f, params, c->b[0] * c->b[1] * c->b[2]);
  return OK;
}
// Echo the arguments into the 128-byte map so tests can check the marshalling.
CUresult cuTensorMapEncodeTiled(u64* map, int dt, unsigned rank, u64 addr, const u64* dims, const u64* strides,
                                const unsigned* box, const unsigned* es, int il, int sw, int l2, int oob) {
  memset(map, 0, 128);
  map[0] = dt; map[1] = rank; map[2] = addr; map[3] = dims[0]; map[4] = rank > 1 ? dims[1] : 0;
  map[5] = rank > 1 ? strides[0] : 0; map[6] = box[0]; map[7] = rank > 1 ? box[1] : 0; map[8] = sw; map[9] = l2;
  map[10] = oob; map[11] = es[0];
  return OK;
}
// ---- a fake cuBLASLt: records descriptors/layouts and the last matmul; no arithmetic ----
typedef struct { int type; u64 rows, cols; long long ld; int batch; long long stride; } Layout;
typedef struct { int compute, scale, ta, tb; u64 sa, sb; } Desc;
static u64 last_matmul[32];
size_t cublasLtGetVersion(void) { return 130100; }
int cublasLtCreate(u64* h) { *h = 0x17; return 0; }
int cublasLtDestroy(u64 h) { return 0; }
int cublasLtMatmulDescCreate(Desc** d, int compute, int scale) { *d = calloc(1, sizeof(Desc)); (*d)->compute = compute; (*d)->scale = scale; return 0; }
int cublasLtMatmulDescDestroy(Desc* d) { free(d); return 0; }
int cublasLtMatmulDescSetAttribute(Desc* d, int a, const void* buf, size_t n) {
  if (a == 3) d->ta = *(const int*)buf; else if (a == 4) d->tb = *(const int*)buf;
  else if (a == 17) d->sa = *(const u64*)buf; else if (a == 18) d->sb = *(const u64*)buf;
  return 0;
}
int cublasLtMatrixLayoutCreate(Layout** l, int type, u64 rows, u64 cols, long long ld) {
  if (ld < (long long)rows) return 7;  // CUBLAS_STATUS_INVALID_VALUE, as the real library for ld < rows
  *l = calloc(1, sizeof(Layout)); (*l)->type = type; (*l)->rows = rows; (*l)->cols = cols; (*l)->ld = ld; (*l)->batch = 1;
  return 0;
}
int cublasLtMatrixLayoutDestroy(Layout* l) { free(l); return 0; }
int cublasLtMatrixLayoutSetAttribute(Layout* l, int a, const void* buf, size_t n) {
  if (a == 5) l->batch = *(const int*)buf; else if (a == 6) l->stride = *(const long long*)buf;
  return 0;
}
int cublasLtMatmulPreferenceCreate(u64* p) { *p = 0x19; return 0; }
int cublasLtMatmulPreferenceDestroy(u64 p) { return 0; }
int cublasLtMatmulPreferenceSetAttribute(u64 p, int a, const void* buf, size_t n) { return 0; }
// Like the real library: no f16-input GEMM with a bf16 output; FP8 needs 16-byte leading dimensions.
int cublasLtMatmulAlgoGetHeuristic(u64 h, Desc* d, Layout* A, Layout* B, Layout* C, Layout* D, u64 p, int req,
                                   unsigned char* res, int* count) {
  int fp8 = A->type == 28 || A->type == 29;
  if ((A->type == 2 && D->type == 14) || (fp8 && (A->ld % 16 || B->ld % 16 || D->ld % 8))) { *count = 0; return 0; }
  memset(res, 0, 96);
  res[0] = 0xA1;                      // algo bytes
  *(u64*)(res + 64) = 1024;            // workspaceSize
  *(int*)(res + 72) = 0;               // state
  *(float*)(res + 76) = 1.0f;          // wavesCount
  *count = 1;
  return 0;
}
int cublasLtMatmul(u64 h, Desc* d, const float* alpha, u64 A, Layout* Al, u64 B, Layout* Bl, const float* beta, u64 C,
                   Layout* Cl, u64 D, Layout* Dl, const unsigned char* algo, u64 ws, size_t wss, u64 stream) {
  u64 v[32] = {d->ta, d->tb, A, Al->type, Al->rows, Al->cols, Al->ld, B, Bl->type, Bl->rows, Bl->cols, Bl->ld,
               C, Cl->ld, D, Dl->type, Dl->rows, Dl->cols, Dl->ld, Al->batch, Al->stride, Bl->stride, Dl->stride,
               d->sa, d->sb, (u64)(*alpha * 1000), (u64)(*beta * 1000), algo[0], wss, stream, Cl->stride, 0};
  memcpy(last_matmul, v, sizeof v);
  return 0;
}
void fake_last_matmul(u64* out) { memcpy(out, last_matmul, sizeof last_matmul); }
// Fixture-only introspection.
void fake_last_launch(u64* out) { memcpy(out, last_launch, sizeof last_launch); }
int fake_live_allocs(void) { return live_allocs; }
`;
