import {
  type Backend,
  contracts,
  type DType,
  isGemmkitError,
  type OpName,
  type Shape,
  Tensor,
} from '@gemmkit/core';
import { describe, expect, it } from 'vitest';
import { MAP, MMA, SCALE, T } from '../src/ops/codes.js';
import { GEMM_PARAMS_OFFSETS, I64_FIELDS, PTR_FIELDS } from '../src/ops/gemm-params.js';
import { kernels } from '../src/ops/index.js';
import { GEMM_TILES, gemmInstance, KERNEL_INSTANCES } from '../src/ops/instances.js';
import type { CudaRuntime } from '../src/runtime/index.js';
import { registerRuntime } from '../src/runtime/registry.js';
import { readSwitches } from '../src/runtime/switches.js';
import { recordArgs } from './recording-runtime.js';

// Launcher tests without a GPU: a recording runtime stands in for CudaRuntime, tensors live on the host, and
// every launch is checked against the instantiation list (so the compile tier covers it) and decoded.

interface Launch {
  file?: string;
  name: string;
  defines: Record<string, number>;
  grid: number[];
  block: number[];
  args: unknown[];
}

function fakeBackend(arch = 'sm_90a') {
  const launches: Launch[] = [];
  const fills: Array<[bigint, number, number]> = [];
  const ids = new WeakMap<object, number>();
  let next = 1;
  const backend = {
    name: 'cuda',
    storageDevice: 'host',
    empty: (dtype: DType, shape: Shape) => Tensor.host(dtype, shape),
  } as unknown as Backend;
  const rt = {
    device: { arch },
    switches: readSwitches(process.env),
    status: { arg: () => 0x5747n },
    tensorAddress: (t: Tensor) => {
      if (!ids.has(t.storage)) ids.set(t.storage, next++);
      const bytes =
        t.dtype === 'f32' || t.dtype === 'i32'
          ? 4
          : t.dtype === 'f16' || t.dtype === 'bf16'
            ? 2
            : t.dtype === 'i64'
              ? 8
              : 1;
      return (BigInt(ids.get(t.storage) as number) << 32n) + BigInt(t.offset * bytes);
    },
    fill: (p: bigint, byte: number, n: number) => fills.push([p, byte, n]),
    upload: () => {},
    copy: () => {},
    getKernel: (spec: { file?: string; name: string; defines?: Record<string, number> }) => ({
      launch: (o: { grid: number | number[]; block: number | number[]; args: unknown[] }) =>
        launches.push({
          file: spec.file,
          name: spec.name,
          defines: { ...(spec.defines ?? {}) },
          grid: ([] as number[]).concat(o.grid),
          block: ([] as number[]).concat(o.block),
          args: recordArgs(o.args),
        }),
    }),
  } as unknown as CudaRuntime;
  registerRuntime(backend, rt);
  return { kctx: { backend, validate: 'fast' as const }, launches, fills, rt };
}

function run<K extends OpName>(op: K, args: unknown, arch = 'sm_90a') {
  const f = fakeBackend(arch);
  const c = contracts[op] as unknown as { validate(a: unknown, m: string): unknown };
  const plan = c.validate(args, 'fast');
  const fn = kernels[op] as unknown as (p: unknown, a: unknown, k: unknown) => unknown;
  const result = fn(plan, args, f.kctx);
  return { ...f, plan, result };
}

/** Decode the GkGemmParams bytes (first kernel argument of every GEMM launch). */
function params(l: Launch): Record<string, number | bigint> {
  const a = l.args[0] as { bytes: Uint8Array; align: number };
  expect(a.align).toBe(8);
  const v = new DataView(a.bytes.buffer, a.bytes.byteOffset, a.bytes.byteLength);
  const out: Record<string, number | bigint> = {};
  for (const [f, off] of Object.entries(GEMM_PARAMS_OFFSETS)) {
    if ((PTR_FIELDS as readonly string[]).includes(f)) out[f] = v.getBigUint64(off, true);
    else if ((I64_FIELDS as readonly string[]).includes(f)) out[f] = Number(v.getBigInt64(off, true));
    else if (f === 'alpha' || f === 'beta') out[f] = v.getFloat32(off, true);
    else out[f] = v.getInt32(off, true);
  }
  return out;
}

/** Every launch must name an entry of KERNEL_INSTANCES (same file, entry and defines) built for its arch. */
function expectListed(l: Launch, arch: string) {
  const hit = KERNEL_INSTANCES.find(
    (i) =>
      i.file === l.file &&
      i.names.includes(l.name) &&
      JSON.stringify(Object.entries(i.defines).sort()) === JSON.stringify(Object.entries(l.defines).sort()),
  );
  expect(hit, `${l.file} ${l.name} ${JSON.stringify(l.defines)}`).toBeTruthy();
  expect(hit?.archs.includes(arch) || (arch !== 'sm_80' && hit?.archs.some((a) => a !== 'sm_80'))).toBe(true);
}

const h = (dtype: DType, shape: number[]) => Tensor.host(dtype, shape);

describe('CUDA launchers (recording runtime)', () => {
  it('every GEMM, indexer, quantizer and combine op contract has a CUDA launcher', () => {
    // The device MoE ops (routing, layout, permute, combine, SwiGLU quant) have their own launchers and tests.
    const elsewhere = new Set(['moeTopk', 'moeAlignLayout', 'moePermute', 'moeUnpermute', 'siluMulQuantFp8']);
    for (const op of Object.keys(contracts))
      if (!elsewhere.has(op)) expect(kernels[op as OpName], op).toBeTypeOf('function');
  });

  it('gemmFp8NtGroupwise reads MN-major scales through their strides and promotes per 128-K block', () => {
    const [m, n, k] = [200, 300, 512];
    const lda = 208; // TMA-aligned column stride of the MN-major A scales
    const aScale = new Tensor('f32', [m, 4], Tensor.host('f32', [4 * lda]).storage, [1, lda]);
    const bScale = new Tensor('f32', [3, 4], Tensor.host('f32', [4 * 3]).storage, [1, 3]);
    const r = run(
      'gemmFp8NtGroupwise',
      {
        a: h('e4m3', [m, k]),
        b: h('e4m3', [n, k]),
        aScale,
        bScale,
        scaleMajorMode: 'MN',
        outDtype: 'bf16',
      },
      'sm_100a',
    ); // sm_90a dispatches to the Hopper kernel (src/ops/sm90); every other arch runs the portable one
    expect(r.launches).toHaveLength(1);
    const l = r.launches[0];
    expectListed(l, 'sm_100a');
    expect(l.defines).toMatchObject({
      GK_TA: T.e4m3,
      GK_TB: T.e4m3,
      GK_MMA: MMA.fp8,
      GK_SCALE: SCALE.promote128,
    });
    const tile = GEMM_TILES[l.defines.GK_CFG as 0 | 1 | 2 | 3];
    expect(l.grid).toEqual([Math.ceil(n / tile.bn), Math.ceil(m / tile.bm), 1]);
    expect(l.block).toEqual([tile.threads]);
    expect(l.args[1]).toBe(0x5747n); // status word last
    const p = params(l);
    expect(p).toMatchObject({
      m,
      n,
      k,
      map: MAP.dense,
      sa_ms: 1,
      sa_ks: lda,
      sb_ns: 1,
      sb_ks: 3,
      sa_gm: 1,
      sa_gk: 128,
      sb_gn: 128,
    });
    expect(p).toMatchObject({ a_rs: k, a_ks: 1, b_rs: k, b_ks: 1, o_rs: n, o_cs: 1, out_type: T.bf16 });
    expect(p.out_scale).toBe(0n);
  });

  it('below SM89 the same op takes the bf16-conversion instantiation', () => {
    const r = run(
      'gemmFp8NtGroupwise',
      {
        a: h('e4m3', [64, 256]),
        b: h('e5m2', [128, 256]),
        aScale: h('f32', [64, 2]),
        bScale: h('f32', [1, 2]),
        outDtype: 'f16',
      },
      'sm_80',
    );
    const l = r.launches[0];
    expectListed(l, 'sm_80');
    expect(l.defines).toMatchObject({ GK_TA: T.e4m3, GK_TB: T.e5m2, GK_MMA: MMA.bf16 });
  });

  it('bmmFp16 maps b [B, K, N] to N rows with the K stride of dim 1', () => {
    const [bt, m, n, k] = [3, 40, 72, 48];
    const r = run('bmmFp16', { a: h('bf16', [bt, m, k]), b: h('bf16', [bt, k, n]), outDtype: 'bf16' });
    const p = params(r.launches[0]);
    expectListed(r.launches[0], 'sm_90a');
    expect(p).toMatchObject({ batch: bt, b_bs: k * n, b_rs: 1, b_ks: n, a_bs: m * k, o_bs: m * n, c: 0n });
    expect(r.launches[0].grid[2]).toBe(bt);
  });

  it('maskedMoeGemm8bit with overlap allocates a zeroed signal and reports the N tile threshold', () => {
    const [e, maxM, n, k] = [4, 96, 200, 256];
    const r = run(
      'maskedMoeGemm8bit',
      {
        a: h('e4m3', [e, maxM, k]),
        aScale: h('f32', [e, maxM, 2]),
        b: h('e4m3', [e, n, k]),
        bScale: h('f32', [e, 2, 2]),
        maskedM: h('i32', [e]),
        enableOverlap: true,
      },
      'sm_100a',
    ); // sm_90a dispatches to the Hopper grouped kernel (src/ops/sm90)
    const res = r.result as { signal: Tensor; threshold: number; blockM: number };
    const l = r.launches[0];
    const tile = GEMM_TILES[l.defines.GK_CFG as 0 | 1 | 2 | 3];
    expect(tile.bm).toBeGreaterThanOrEqual(64); // 64-row signal blocks need whole blocks per tile
    expect(res.blockM).toBe(64);
    expect(res.threshold).toBe(Math.ceil(n / tile.bn));
    expect(res.signal.shape).toEqual([e * Math.ceil(maxM / 64)]);
    expect(r.fills.some(([, byte, bytes]) => byte === 0 && bytes === e * Math.ceil(maxM / 64) * 4)).toBe(
      true,
    );
    const p = params(l);
    expect(p.signal).not.toBe(0n);
    expect(p).toMatchObject({ map: MAP.masked, batch: e, m: maxM, num_groups: e, sa_bs: maxM * 2, sb_bs: 4 });
    expect(l.grid[2]).toBe(e);
  });

  it('raggedMMoeGemm8bit: psum mode, 128-row tiles that divide alignmentM, one tile per CTA', () => {
    const [m, n, k, e] = [512, 128, 256, 3];
    const r = run(
      'raggedMMoeGemm8bit',
      {
        a: h('e4m3', [m, k]),
        aScale: h('f32', [m, 2]),
        b: h('e4m3', [e, n, k]),
        bScale: h('f32', [e, 1, 2]),
        raggedTokensInfo: h('i32', [e]),
        gemmMode: 'psum_expert',
        alignmentM: 256,
      },
      'sm_100a',
    );
    const l = r.launches[0];
    const p = params(l);
    expect(p).toMatchObject({ map: MAP.raggedMPsum, align_m: 256, num_groups: e, m });
    expect(256 % GEMM_TILES[l.defines.GK_CFG as 0 | 1 | 2 | 3].bm).toBe(0);
    expect(l.grid[1]).toBe(Math.ceil(m / GEMM_TILES[l.defines.GK_CFG as 0 | 1 | 2 | 3].bm));
  });

  it('raggedKMoeGemm8bit accumulates into f32 with M/N-major operands read through strides', () => {
    const [kt, m, n, e] = [384, 72, 100, 3];
    const r = run(
      'raggedKMoeGemm8bit',
      {
        a: h('e4m3', [kt, m]),
        aScale: h('f32', [3, m]),
        b: h('e4m3', [kt, n]),
        bScale: h('f32', [3, n]),
        raggedTokensInfo: h('i32', [e]),
        out: h('f32', [e, m, n]),
      },
      'sm_89', // the portable kernel (sm_90a takes the Hopper path: test/sm90-ragged-k.test.ts)
    );
    const p = params(r.launches[0]);
    expect(p).toMatchObject({ map: MAP.raggedK, accumulate: 1, out_type: T.f32, k: kt, batch: e });
    expect(p).toMatchObject({ a_rs: 1, a_ks: m, b_rs: 1, b_ks: n, sa_ms: 1, sa_ks: m, sb_ns: 1, sb_ks: n });
  });

  it('mmFp4 (nvfp4, swizzled scales) passes the padded scale width and the device alpha', () => {
    const [m, n, k] = [50, 96, 128];
    const pad = (rows: number) => Math.ceil(rows / 128) * 128 * 8;
    const r = run(
      'mmFp4',
      {
        a: h('e2m1x2', [m, k / 2]),
        b: h('e2m1x2', [n, k / 2]).transpose(),
        aScale: h('e4m3', [pad(m)]),
        bScale: h('e4m3', [pad(n)]),
        alpha: h('f32', [1]),
        outDtype: 'bf16',
      },
      'sm_89',
    ); // sm_90a dispatches to the Hopper kernel (src/ops/sm90); sm_89 runs the portable one
    const l = r.launches[0];
    expectListed(l, 'sm_89');
    const p = params(l);
    expect(p).toMatchObject({
      sa_swz: 1,
      sb_swz: 1,
      sa_kpad: 8,
      sb_kpad: 8,
      sa_gk: 16,
      b_rs: k / 2,
      b_ks: 1,
    });
    expect(p.alpha_ptr).not.toBe(0n);
  });

  it('a strided K-pair layout of mmFp4.b is rejected with E_LAYOUT', () => {
    try {
      run('mmFp4', {
        a: h('e2m1x2', [16, 64]),
        b: h('e2m1x2', [64, 16]),
        aScale: h('e4m3', [128 * 8]),
        bScale: h('e4m3', [128 * 8]),
        outDtype: 'bf16',
      });
      expect.unreachable();
    } catch (e) {
      expect(isGemmkitError(e, 'E_LAYOUT')).toBe(true);
    }
  });

  it('segmentGemm with segLens uses the lens mapping and the weights transposed as asked', () => {
    const r = run(
      'segmentGemm',
      {
        x: h('f16', [10, 64]),
        weights: h('f16', [2, 64, 96]),
        batchSize: 3,
        weightColumnMajor: false,
        segLens: h('i64', [3]),
        weightIndices: h('i64', [3]),
      },
      'sm_89',
    ); // the portable kernel (sm_90a takes the TMA path: test/sm90-segment.test.ts)
    const p = params(r.launches[0]);
    expect(p).toMatchObject({
      map: MAP.segmentLens,
      index_i64: 1,
      num_groups: 2,
      b_rs: 1,
      b_ks: 96,
      n: 96,
      k: 64,
    });
    expect(r.launches[0].grid[2]).toBe(3);
  });

  it('quantizers, indexer and scale transforms launch listed kernels with the status word where index data is read', () => {
    const f = (op: OpName, args: unknown) => run(op, args).launches;
    const all = [
      ...f('quantPerTokenFp8', { x: h('bf16', [5, 300]), scaleMajor: 'MN' }),
      ...f('quantPerTensorFp8', { x: h('f32', [2, 3, 40]) }),
      ...f('quantNvfp4', { x: h('f32', [3, 64]) }),
      ...f('quantMxfp4', { x: h('f32', [3, 64]), layout: 'linear' }),
      ...f('fp8MqaLogits', {
        q: h('e4m3', [4, 8, 64]),
        k: h('e4m3', [300, 64]),
        kScale: h('f32', [300]),
        weights: h('f32', [4, 8]),
        cuSeqLenKStart: h('i32', [4]),
        cuSeqLenKEnd: h('i32', [4]),
        cleanLogits: true,
      }),
      ...f('swizzleScales', { scale: h('u8', [130, 6]) }),
    ];
    for (const l of all) expectListed(l, 'sm_90a');
    const mqa = all.find((l) => l.name === 'gk_mqa_logits_d64');
    expect(mqa?.grid).toEqual([Math.ceil(300 / 128), 4]);
    expect(mqa?.args.at(-1)).toBe(0x5747n);
    // per-tensor: amax pass then the quantizer reading the amax word
    expect(all.filter((l) => l.name === 'gk_amax').length).toBe(2); // quantPerTensorFp8 and quantNvfp4
  });

  it('gemmInstance refuses combinations the compile tier never built', () => {
    try {
      gemmInstance(
        { family: 'gemm_half', ta: T.f16, tb: T.f16, mma: MMA.f16, cfg: 3, scale: SCALE.none },
        'sm_90a',
      );
      expect.unreachable();
    } catch (e) {
      expect(isGemmkitError(e, 'E_UNSUPPORTED')).toBe(true);
    }
  });
});
