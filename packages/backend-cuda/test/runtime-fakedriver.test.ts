import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpu } from '@gemmkit/backend-cpu';
import { type Context, createContext, GemmkitError, Tensor } from '@gemmkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CudaRuntime, cuda, cudaRuntimeOf } from '../src/index.js';

// The bindings and runtime against a fake libcuda (test/fixtures/fake-cuda.c, built here with gcc): real FFI
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
  execFileSync('gcc', ['-shared', '-fPIC', '-O1', '-o', lib, join(__dirname, 'fixtures', 'fake-cuda.c')]);
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
    backends: [cuda({ env, cacheDir: join(dir, 'cache'), stagingBytes: 4096 }), cpu()],
  });
  rt = cudaRuntimeOf(ctx.get('cuda'));
}, 60_000);

afterAll(async () => {
  await ctx?.dispose();
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

  it('dispose frees all cached device memory', async () => {
    const c2 = await createContext({ backends: [cuda({ env, cacheDir: false })] });
    const base = liveAllocs();
    const b = c2.get('cuda');
    const ts = [b.empty('f32', [1000]), b.empty('u8', [5]), b.empty('bf16', [64, 64])];
    expect(liveAllocs()).toBeGreaterThan(base);
    for (const t of ts) t.dispose();
    await c2.dispose();
    // The status word block is freed too: back below where this context started.
    expect(liveAllocs()).toBeLessThan(base);
    expect(() => b.empty('f32', [1])).toThrowError(/E_DISPOSED/);
  });
});
