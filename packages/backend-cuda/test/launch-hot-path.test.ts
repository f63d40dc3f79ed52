import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpu } from '@gemmkit/backend-cpu';
import { type Context, createContext, type GemmkitError, randn, Tensor, tensorFrom } from '@gemmkit/core';
import { moveView } from '@gemmkit/core/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CudaRuntime, cuda, cudaRuntimeOf } from '../src/index.js';
import { CachingAllocator, type RawAllocator } from '../src/runtime/allocator.js';
import { ArgPacker } from '../src/runtime/args.js';
import { KeyScratch, ShapeKeyMap } from '../src/runtime/shape-key.js';
import { encodeTensorMap, tensorMapArgs } from '../src/runtime/tensor-map.js';

// The caches and fast paths of the per-launch host work (kernel handles, tensor maps, cuBLASLt plans, argument
// packing, allocator leases, context dispatch) against the fake driver of test/fixtures/fake-cuda.c, whose
// call counters show what reached the "driver".
const dir = mkdtempSync(join(tmpdir(), 'gk-hotpath-'));
const lib = join(dir, 'libfakecuda.so');
const env = {
  ...process.env,
  GEMMKIT_CUDA_DRIVER: lib,
  GEMMKIT_NVRTC: '/nonexistent/libnvrtc.so',
  GEMMKIT_CUBLASLT: lib,
};
const SRC = `
#ifndef SCALE
#define SCALE 1
#endif
extern "C" __global__ void gk_scale(float* y, const float* x, float a, int n) { y[0] = SCALE * a * x[0]; }
`;

/** allocs, frees, launches, tensor-map encodes, matmuls, matmul-desc attribute sets (fake_counters). */
let counters: () => { allocs: number; launches: number; encodes: number; matmuls: number; descSets: number };
let lastMatmul: () => bigint[];
let gk: Context;
let rt: CudaRuntime;

beforeAll(async () => {
  const src = fileURLToPath(new URL('./fixtures/fake-cuda.c', import.meta.url));
  execFileSync('gcc', ['-shared', '-fPIC', '-O1', '-o', lib, src]);
  const fake = createRequire(import.meta.url)('koffi').load(lib);
  const fc = fake.func('void fake_counters(void *out)');
  counters = () => {
    const b = Buffer.alloc(6 * 8);
    fc(b);
    const n = (i: number) => Number(b.readBigUInt64LE(i * 8));
    return { allocs: n(0), launches: n(2), encodes: n(3), matmuls: n(4), descSets: n(5) };
  };
  const fm = fake.func('void fake_last_matmul(void *out)');
  lastMatmul = () => {
    const b = Buffer.alloc(32 * 8);
    fm(b);
    return Array.from({ length: 32 }, (_, i) => b.readBigUInt64LE(i * 8));
  };
  gk = await createContext({
    backends: [cuda({ env, cacheDir: join(dir, 'cache'), blasMinMacs: 0 }), cpu()],
    validate: 'fast',
  });
  rt = cudaRuntimeOf(gk.get('cuda'));
}, 120_000);

afterAll(async () => {
  await gk?.dispose();
});

describe('numeric cache keys', () => {
  it('finds exactly the stored key among thousands (chained slots), never a near miss', () => {
    const m = new ShapeKeyMap<number>();
    const k = new KeyScratch();
    const key = (i: number) =>
      k
        .reset()
        .num(i % 97)
        .num(Math.floor(i / 97))
        .str(i % 2 ? 'bf16' : 'f16');
    for (let i = 0; i < 5000; i++) m.set(key(i), i);
    expect(m.size).toBe(5000);
    for (let i = 0; i < 5000; i += 7) expect(m.get(key(i))).toBe(i);
    expect(m.get(k.reset().num(1).num(0).str('f16'))).toBeUndefined(); // 1 is stored with 'bf16'
    expect(m.get(k.reset().num(1).num(0))).toBeUndefined(); // a prefix is another key
  });

  it('keeps addresses exact beyond 2^53 and starts over past its limit', () => {
    const m = new ShapeKeyMap<string>(3);
    const k = new KeyScratch();
    const hi = 2n ** 60n;
    m.set(k.reset().big(hi), 'a');
    m.set(k.reset().big(hi + 1n), 'b');
    expect(m.get(k.reset().big(hi))).toBe('a');
    expect(m.get(k.reset().big(hi + 1n))).toBe('b');
    expect(m.get(k.reset().num(Number(hi)))).toBeUndefined();
    m.set(k.reset().num(1), 'c');
    m.set(k.reset().num(2), 'd'); // fourth entry: the map was cleared first
    expect(m.size).toBe(1);
    expect(m.get(k.reset().big(hi))).toBeUndefined();
    expect(m.get(k.reset().num(2))).toBe('d');
  });
});

describe('tensor-map cache', () => {
  it('encodes each distinct map once; a hit is byte-identical to a fresh encode', () => {
    const t = gk.empty('bf16', [64, 256]);
    const opts = { tensor: t, box: [32, 64], swizzle: '128B' as const };
    const before = { driver: counters().encodes, rt: rt.tensorMapEncodes };
    const m1 = rt.tensorMap(opts);
    const m2 = rt.tensorMap({ ...opts, box: [32, 64] });
    expect(m2).toBe(m1);
    expect(counters().encodes - before.driver).toBe(1);
    expect(rt.tensorMapEncodes - before.rt).toBe(1);
    const fresh = encodeTensorMap(
      rt.driver,
      tensorMapArgs(opts, (x) => rt.tensorAddress(x)),
    );
    expect(m1.bytes).toEqual(fresh.bytes);
    before.driver++; // that fresh encode
    // Anything that changes the encoding is a different entry.
    const other = gk.empty('bf16', [64, 256]);
    const variants = [
      rt.tensorMap({ ...opts, box: [64, 64] }),
      rt.tensorMap({ ...opts, swizzle: '64B', box: [32, 32] }),
      rt.tensorMap({ ...opts, tensor: other }),
      rt.tensorMap({ ...opts, tensor: t.narrow(0, 0, 32) }),
      rt.tensorMap({ ...opts, oobFill: 'nan' }),
    ];
    expect(counters().encodes - before.driver).toBe(1 + variants.length);
    for (const v of variants) expect(v.bytes).not.toEqual(m1.bytes);
    expect(rt.tensorMap({ ...opts, tensor: other })).toBe(variants[2]);
    // Explicit arrays are snapshotted: changing the caller's array after a call is another request.
    const ptrOpts = { ptr: rt.tensorAddress(t), dtype: 'u8' as const, shape: [64, 512], box: [64, 128] };
    const p1 = rt.tensorMap(ptrOpts);
    const encodes = counters().encodes;
    expect(rt.tensorMap(ptrOpts)).toBe(p1);
    ptrOpts.shape[0] = 32;
    const p2 = rt.tensorMap(ptrOpts);
    expect(p2).not.toBe(p1);
    expect(p2.bytes).not.toEqual(p1.bytes);
    expect(counters().encodes - encodes).toBe(1);
    t.dispose();
    other.dispose();
  });

  it('still checks every call: disposed tensors and misaligned addresses fail even when cached', () => {
    const t = gk.empty('u8', [128, 128]);
    const ptr = rt.tensorAddress(t);
    rt.tensorMap({ tensor: t, box: [64, 128], swizzle: '128B' });
    t.dispose();
    expect(() => rt.tensorMap({ tensor: t, box: [64, 128], swizzle: '128B' })).toThrowError(/E_DISPOSED/);
    const bad = { ptr: (ptr + 8n) as typeof ptr, dtype: 'u8' as const, shape: [128, 128], box: [64, 128] };
    expect(() => rt.tensorMap(bad)).toThrowError(/E_ALIGN/);
    expect(() => rt.tensorMap(bad)).toThrowError(/E_ALIGN/);
  });
});

describe('kernel handle cache', () => {
  it('returns the loaded kernel for an equal spec (new objects each call), a new one for other defines', () => {
    const a = rt.getKernel({ source: SRC, name: 'gk_scale', defines: { SCALE: 2 } });
    const hits = rt.jitStats.memoryHits;
    expect(rt.getKernel({ source: SRC, name: 'gk_scale', defines: { SCALE: 2 } })).toBe(a);
    expect(rt.jitStats.memoryHits).toBe(hits + 1);
    const b = rt.getKernel({ source: SRC, name: 'gk_scale', defines: { SCALE: 3 } });
    expect(b).not.toBe(a);
    // A string define is another spec than the number it spells.
    expect(rt.getKernel({ source: SRC, name: 'gk_scale', defines: { SCALE: '2' } })).not.toBe(a);
    expect(
      rt.getKernel({ source: SRC, name: 'gk_scale', defines: { SCALE: 2 }, options: ['-lineinfo'] }),
    ).not.toBe(a);
    expect(rt.getKernel({ source: SRC, name: 'gk_scale', defines: { SCALE: 2 } })).toBe(a);
    // A defines object changed after use is looked at again, not matched by identity.
    const defines = { SCALE: 2 };
    expect(rt.getKernel({ source: SRC, name: 'gk_scale', defines })).toBe(a);
    defines.SCALE = 3;
    expect(rt.getKernel({ source: SRC, name: 'gk_scale', defines })).toBe(b);
    // More distinct specs than the recent-spec slots: every one still resolves to its own kernel.
    const many = Array.from({ length: 10 }, (_, i) =>
      rt.getKernel({ source: SRC, name: 'gk_scale', defines: { SCALE: 2 }, options: [`-DPAD${i}=1`] }),
    );
    expect(new Set(many).size).toBe(10);
    many.forEach((k, i) => {
      expect(
        rt.getKernel({ source: SRC, name: 'gk_scale', defines: { SCALE: 2 }, options: [`-DPAD${i}=1`] }),
      ).toBe(k);
    });
    expect(() => rt.getKernel({ source: SRC, name: 'no such' })).toThrowError(/E_COMPILE/);
  }, 300_000);
});

describe('argument packing', () => {
  const noTensor = () => {
    throw new Error('no tensors here');
  };
  it('writes 64-bit numbers as two halves, exactly, including negatives and values past 2^32', () => {
    const p = new ArgPacker();
    const vals = [-1, 2 ** 40 + 5, -(2 ** 40) - 3, 2 ** 53 - 1, -(2 ** 53) + 1];
    const base = p.pack(
      [...vals.map((i64) => ({ i64 })), { u64: 2 ** 52 + 7 }, { u64: 2 ** 60 }, { ptr: 4096n }],
      noTensor,
    );
    const n = vals.length + 3;
    const table = new DataView(p.peek(0, n * 8).buffer);
    const at = (i: number) => Number(table.getBigUint64(i * 8, true) - base);
    const word = (i: number) => new DataView(p.peek(at(i), 8).buffer);
    vals.forEach((x, i) => {
      expect(word(i).getBigInt64(0, true)).toBe(BigInt(x));
    });
    expect(word(vals.length).getBigUint64(0, true)).toBe(2n ** 52n + 7n);
    expect(word(vals.length + 1).getBigUint64(0, true)).toBe(2n ** 60n);
    expect(word(vals.length + 2).getBigUint64(0, true)).toBe(4096n);
    p.dispose();
  });

  it('keeps earlier values and a correct pointer table when a by-value struct grows the arena', () => {
    const p = new ArgPacker();
    p.pack([{ i32: 1 }], noTensor); // a small arena exists
    const big = new Uint8Array(9000).map((_, i) => i & 0xff);
    const base = p.pack([{ i32: -7 }, 0xdead_beefn, { bytes: big, align: 64 }, { f64: 0.5 }], noTensor);
    const table = new DataView(p.peek(0, 32).buffer);
    const at = (i: number) => Number(table.getBigUint64(i * 8, true) - base);
    expect(new DataView(p.peek(at(0), 4).buffer).getInt32(0, true)).toBe(-7);
    expect(new DataView(p.peek(at(1), 8).buffer).getBigUint64(0, true)).toBe(0xdead_beefn);
    expect(at(2) % 64).toBe(0);
    expect(p.peek(at(2), big.length)).toEqual(big);
    expect(new DataView(p.peek(at(3), 8).buffer).getFloat64(0, true)).toBe(0.5);
    p.dispose();
  });

  it('rejects bad 64-bit values naming the argument index', () => {
    const p = new ArgPacker();
    expect(() => p.pack([{ i32: 0 }, { u64: -1 }], noTensor, 'k.args')).toThrowError(/E_RANGE.*k\.args\[1\]/);
    expect(() => p.pack([{ i64: 1.5 }], noTensor, 'k.args')).toThrowError(/E_RANGE.*k\.args\[0\]/);
    expect(() => p.pack([{ i64: 2n ** 63n }], noTensor)).toThrowError(/E_RANGE/);
    expect(() => p.pack([{ ptr: -1n }], noTensor)).toThrowError(/E_RANGE/);
    expect(() => p.pack([{ u32: 2 ** 32 }], noTensor)).toThrowError(/E_RANGE/);
    expect(() => p.pack([null as never], noTensor, 'k.args')).toThrowError(/E_UNSUPPORTED.*k\.args\[0\]/);
    p.dispose();
  });

  it('names the argument index of a tensor on another device', () => {
    const h = Tensor.host('f32', [2]);
    const k = rt.getKernel({ source: SRC, name: 'gk_scale' });
    const y = gk.empty('f32', [2]);
    expect(() => k.launch({ grid: 1, block: 1, args: [y, h, { f32: 1 }, { i32: 2 }] })).toThrowError(
      /E_DEVICE.*launch\(gk_scale\)\.args\[1\]/,
    );
  });
});

describe('allocator leases', () => {
  const raw = (): RawAllocator & { live: Set<bigint> } => {
    let next = 0x1000n;
    const live = new Set<bigint>();
    return {
      live,
      memAlloc: (n: number) => {
        const p = next;
        next += BigInt(n);
        live.add(p);
        return p as never;
      },
      memFree: (p) => {
        live.delete(p);
      },
    };
  };

  it('ignores blocks of another allocator and blocks from before releaseAll', () => {
    const r = raw();
    const a = new CachingAllocator(r, () => {});
    const b = new CachingAllocator(raw(), () => {});
    const x = a.allocate(1000);
    b.free(x); // not b's
    expect(b.stats.cachedBytes).toBe(0);
    a.free({ ptr: x.ptr, size: x.size }); // a look-alike is not the lease
    expect(a.stats.inUseBytes).toBe(x.size);
    a.releaseAll();
    expect(r.live.size).toBe(0);
    a.free(x); // stale: its memory is gone
    expect(a.stats.cachedBytes).toBe(0);
    const y = a.allocate(1000);
    expect(r.live.size).toBe(1);
    a.free(y);
    expect(a.stats).toMatchObject({ inUseBytes: 0, cachedBytes: y.size });
  });

  it('serves exactly 1 MiB and larger buckets from their own free lists', () => {
    const r = raw();
    const a = new CachingAllocator(r, () => {});
    const sizes = [1 << 20, (1 << 20) + 1, 3 << 20];
    const first = sizes.map((n) => a.allocate(n));
    for (const x of first) a.free(x);
    const again = sizes.map((n) => a.allocate(n));
    expect(again.map((x) => x.ptr)).toEqual(first.map((x) => x.ptr));
    expect(a.stats.deviceAllocs).toBe(3);
    a.emptyCache();
    for (const x of again) a.free(x);
    a.emptyCache();
    expect(r.live.size).toBe(0);
    expect(a.stats).toMatchObject({ inUseBytes: 0, cachedBytes: 0, deviceFrees: 3 });
  });
});

describe('op launches on the fake driver', () => {
  it('moePermute and quantPerTokenFp8 return their outputs to the cache: no cuMemAlloc per call', () => {
    const x = gk.to(randn('bf16', [32, 128], 1));
    const tokenOf = gk.to(
      tensorFrom(
        'i32',
        [64],
        Array.from({ length: 64 }, (_, i) => (i % 3 === 2 ? -1 : i % 32)),
      ),
    );
    const q = gk.to(randn('bf16', [64, 256], 2));
    const round = () => {
      gk.ops.moePermute({ x, tokenOf }).dispose();
      const r = gk.ops.quantPerTokenFp8({ x: q });
      r.data.dispose();
      r.scale.tensor.dispose();
    };
    round(); // compiles and fills the buckets
    const before = counters();
    for (let i = 0; i < 100; i++) round();
    const after = counters();
    expect(after.allocs - before.allocs).toBe(0);
    expect(after.launches - before.launches).toBe(200);
  }, 180_000);

  it('gemmFp8NtGroupwise (sm90 path on the fake H100): no new tensor maps or allocations once warm', () => {
    const a = gk.to(randn('e4m3', [64, 256], 3));
    const b = gk.to(randn('e4m3', [256, 256], 4));
    const aScale = gk.to(tensorFrom('f32', [64, 2], new Float64Array(128).fill(0.01)));
    const bScale = gk.to(tensorFrom('f32', [2, 2], new Float64Array(4).fill(0.02)));
    const out = gk.ops.gemmFp8NtGroupwise({ a, b, aScale, bScale, outDtype: 'bf16' });
    // The two scale temporaries share a bucket and come back in swapped order on the next call: two warm calls
    // see both placements.
    for (let i = 0; i < 2; i++) gk.ops.gemmFp8NtGroupwise({ a, b, aScale, bScale, outDtype: 'bf16', out });
    const before = counters();
    for (let i = 0; i < 50; i++) gk.ops.gemmFp8NtGroupwise({ a, b, aScale, bScale, outDtype: 'bf16', out });
    const after = counters();
    expect(after.encodes - before.encodes).toBe(0);
    expect(after.allocs - before.allocs).toBe(0);
    expect(after.launches - before.launches).toBe(50); // the GEMM only: K-major A scales are read by the kernel
  }, 300_000);

  it('cuBLASLt FP8: the plan is reused and scale attributes are rewritten only when the scales change', () => {
    const dev = (t: Tensor) => moveView(gk, t, 'cuda');
    const f32 = (v: number) => dev(tensorFrom('f32', [1], [v]));
    // cuBLASLt's case (the sm90 route is opt-in, and M = 256 is outside it anyway)
    const a = dev(Tensor.host('e4m3', [1, 256, 64]));
    const b = dev(Tensor.host('e4m3', [1, 48, 64]).transpose(1, 2));
    const [s1, s2, s3] = [f32(0.5), f32(2), f32(4)];
    const out = gk.ops.bmmFp8({ a, b, aScale: s1, bScale: s2, outDtype: 'bf16' });
    const c0 = counters();
    gk.ops.bmmFp8({ a, b, aScale: s1, bScale: s2, outDtype: 'bf16', out });
    gk.ops.bmmFp8({ a, b, aScale: s1, bScale: s2, outDtype: 'bf16', out });
    const c1 = counters();
    expect(c1.matmuls - c0.matmuls).toBe(2);
    expect(c1.descSets - c0.descSets).toBe(0);
    gk.ops.bmmFp8({ a, b, aScale: s3, bScale: s2, outDtype: 'bf16', out });
    expect(counters().descSets - c1.descSets).toBe(1);
    const m = lastMatmul();
    expect(m.slice(23, 25)).toEqual([rt.tensorAddress(s2), rt.tensorAddress(s3)]); // cuBLAS A is our b
    expect(m.slice(25, 27)).toEqual([1000n, 0n]); // alpha 1, beta 0 (no c)
    expect(m[29]).toBe(rt.stream);
  });

  it('bmmFp16 with c: beta 1 and c as the C operand; without c: beta 0 and C = out', () => {
    const dev = (t: Tensor) => moveView(gk, t, 'cuda');
    const a = dev(Tensor.host('bf16', [1, 8, 16]));
    const b = dev(Tensor.host('bf16', [1, 16, 24]));
    const c = dev(Tensor.host('bf16', [1, 8, 24]));
    const o1 = gk.ops.bmmFp16({ a, b, c, outDtype: 'bf16' });
    let m = lastMatmul();
    expect([m[12], m[14], m[26]]).toEqual([rt.tensorAddress(c), rt.tensorAddress(o1), 1000n]);
    const o2 = gk.ops.bmmFp16({ a, b, outDtype: 'bf16' });
    m = lastMatmul();
    expect([m[12], m[14], m[26]]).toEqual([rt.tensorAddress(o2), rt.tensorAddress(o2), 0n]);
  });
});

describe('context dispatch', () => {
  it('gk.ops functions are made once; only own contract names are ops', () => {
    expect(gk.ops.moePermute).toBe(gk.ops.moePermute);
    expect('moePermute' in gk.ops).toBe(true);
    expect('toString' in gk.ops).toBe(false);
    expect(Object.keys(gk.ops)).toContain('gemmFp8NtGroupwise');
    expect(() => gk.run('toString' as never, {} as never)).toThrowError(/E_UNSUPPORTED.*unknown op/);
  });

  it('a disposed or foreign tensor deep in the arguments is reported with its path', () => {
    const x = gk.to(randn('bf16', [4, 128], 5));
    const host = randn('i32', [8], 6);
    let err: GemmkitError | null = null;
    try {
      gk.ops.moePermute({ x, tokenOf: host as never });
    } catch (e) {
      err = e as GemmkitError;
    }
    expect(err?.code).toBe('E_DEVICE');
    expect(err?.arg).toBe('moePermute.tokenOf');
    const tokenOf = gk.to(host);
    tokenOf.dispose();
    expect(() => gk.ops.moePermute({ x, tokenOf })).toThrowError(/E_DISPOSED.*moePermute\.tokenOf/);
    // The cpu backend of the same context checks against its own device.
    expect(() => gk.ops.moePermute({ x, tokenOf: host }, { backend: 'cpu' })).toThrowError(
      /E_DEVICE.*moePermute\.x/,
    );
  });
});
