import { type DType, Tensor } from '@gemmkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseSm90RaggedKConfig, SM90_RAGGED_K_INSTANCES } from '../src/ops/sm90/ragged-k-sm90.js';
import { expectListed, runOp } from './recording-runtime.js';

// raggedKMoeGemm8bit on sm_90a without a GPU: the recording runtime shows which launches the op makes (the
// kernels themselves are checked on the GPU host: scripts/gpu-tier.sh --ops=raggedKMoeGemm8bit).

const h = (dtype: DType, shape: number[]) => Tensor.host(dtype, shape);
const cdiv = (a: number, b: number) => Math.ceil(a / b);
/** `[rows, cols]` stored column after column (strides [1, ld]): a K-major `[K, M]` operand. */
const kMajor = (dtype: DType, rows: number, cols: number, ld = rows) =>
  new Tensor(dtype, [rows, cols], Tensor.host(dtype, [ld * cols]).storage, [1, ld], 0);

interface Setup {
  k: number;
  m: number;
  n: number;
  e: number;
  majorA?: 'M' | 'K';
  majorB?: 'N' | 'K';
  dtype?: DType;
  lda?: number;
}

function args(s: Setup) {
  const dt = s.dtype ?? 'e4m3';
  const kb = cdiv(s.k, 128);
  return {
    a: s.majorA === 'K' ? kMajor(dt, s.k, s.m, s.lda ?? s.k) : h(dt, [s.k, s.m]),
    aScale: h('f32', [kb, s.m]),
    b: s.majorB === 'K' ? kMajor(dt, s.k, s.n) : h(dt, [s.k, s.n]),
    bScale: h('f32', [kb, s.n]),
    raggedTokensInfo: h('i32', [s.e]),
    out: h('f32', [s.e, s.m, s.n]),
    majorA: s.majorA,
    majorB: s.majorB,
  };
}

const run = (s: Setup, arch = 'sm_90a') => {
  const a = args(s);
  return { a, ...runOp('raggedKMoeGemm8bit', a, arch) };
};
const names = (r: ReturnType<typeof run>) => r.launches.map((l) => l.name);

afterEach(() => {
  delete process.env.GEMMKIT_CUDA_SM90;
});

describe('raggedKMoeGemm8bit on sm_90a (recording runtime)', () => {
  it('M-/N-major inputs: transpose A and B into K-major workspaces, then the MODE 3 GEMM', () => {
    const s = { k: 4096, m: 2048, n: 7168, e: 8 };
    const r = run(s);
    expect(names(r)).toEqual(['sm90_transpose_u8', 'sm90_transpose_u8', 'fp8_grouped_gemm_sm90']);
    const [ta, tb, gemm] = r.launches;
    for (const l of r.launches) expectListed(l, 'sm_90a');
    // A [K, M] M-major → [M][K]: grid over (K tiles, M tiles), 16-byte vector path (aligned, ld % 16 == 0).
    expect(ta.args[0]).toBe(r.a.a);
    expect(ta.grid).toEqual([cdiv(s.k, 64), cdiv(s.m, 64), 1]);
    expect(ta.block).toEqual([256, 1, 1]);
    expect(ta.args.slice(2)).toEqual([{ i32: s.k }, { i32: s.m }, { i64: s.m }, { i64: s.k }, { i32: 1 }]);
    expect(tb.args[0]).toBe(r.a.b);
    expect(tb.args.slice(2)).toEqual([{ i32: s.k }, { i32: s.n }, { i64: s.n }, { i64: s.k }, { i32: 1 }]);
    // The GEMM reads the workspaces through [rows, K] maps (128B swizzle) and the scales in place.
    const [mapA, mapB, mapSfa, mapSfb] = r.maps;
    expect(mapA).toMatchObject({ ptr: ta.args[1], shape: [s.m, s.k], strides: [s.k, 1], box: [128, 128] });
    expect(mapB).toMatchObject({ ptr: tb.args[1], shape: [s.n, s.k], strides: [s.k, 1], box: [128, 128] });
    expect(mapSfa).toMatchObject({
      ptr: r.address(r.a.aScale),
      dtype: 'f32',
      shape: [32, s.m],
      box: [1, 128],
    });
    expect(mapSfb).toMatchObject({
      ptr: r.address(r.a.bScale),
      dtype: 'f32',
      shape: [32, s.n],
      box: [1, 128],
    });
    const cfg = chooseSm90RaggedKConfig(s.m);
    expect(gemm.defines).toMatchObject({
      MODE: 3,
      BLOCK_M: 128,
      BLOCK_N: 128,
      STAGES: cfg.stages,
      AB_TYPES: 0,
    });
    expect(gemm.grid).toEqual([132, 1, 1]);
    expect(gemm.block).toEqual([384, 1, 1]);
    // M, N, K, ldd, split_k, counts, no block list, E, expert stride of out, no signal, status last.
    expect(gemm.args.slice(9)).toEqual([
      { i32: s.m },
      { i32: s.n },
      { i32: s.k },
      { i64: s.n },
      { i32: 1 },
      r.address(r.a.raggedTokensInfo),
      0n,
      { i32: s.e },
      { i64: s.m * s.n },
      0n,
      0x5747n,
    ]);
    expect(gemm.args[5]).toBe(r.a.out);
  });

  it('K-major A and B are TMA-loaded in place: no transpose', () => {
    const s = { k: 512, m: 16, n: 33, e: 2, majorA: 'K' as const, majorB: 'K' as const };
    const r = run(s);
    expect(names(r)).not.toContain('sm90_transpose_u8');
    expect(names(r)).toContain('fp8_grouped_gemm_sm90');
    const [mapA, mapB] = r.maps;
    expect(mapA).toMatchObject({
      ptr: r.address(r.a.a),
      shape: [s.m, s.k],
      strides: [s.k, 1],
      box: [64, 128],
    });
    expect(mapB).toMatchObject({ ptr: r.address(r.a.b), shape: [s.n, s.k], strides: [s.k, 1] });
    const gemm = r.launches.find((l) => l.name === 'fp8_grouped_gemm_sm90');
    expect(gemm?.defines.BLOCK_M).toBe(64); // m ≤ 64
    expect(gemm?.block).toEqual([256, 1, 1]);
    expect(gemm?.grid).toEqual([2 * 1 * 1, 1, 1]); // tiles = E · ⌈M/64⌉ · ⌈N/128⌉
  });

  it('only the M-/N-major side is transposed', () => {
    const r = run({ k: 256, m: 128, n: 256, e: 2, majorA: 'K' });
    expect(names(r).filter((n) => n === 'sm90_transpose_u8')).toHaveLength(1);
    expect(r.launches[0].args[0]).toBe(r.a.b);
  });

  it('a K tail and odd M/N: workspace K padded to 16, scale rows gathered to 4-float pitch, bytewise transpose', () => {
    const s = { k: 200, m: 37, n: 19, e: 1, dtype: 'e5m2' as DType };
    const r = run(s);
    expect(names(r)).toEqual([
      'sm90_transpose_u8',
      'sm90_transpose_u8',
      'sm90_grouped_scale_gather',
      'sm90_grouped_scale_gather',
      'fp8_grouped_gemm_sm90',
    ]);
    const [ta, , ga, gb, gemm] = r.launches;
    expect(ta.args.slice(4)).toEqual([{ i64: 37 }, { i64: 208 }, { i32: 0 }]); // ld 37: not 16-byte rows
    expect(ga.args[0]).toBe(r.a.aScale);
    expect(gb.args[0]).toBe(r.a.bScale);
    const [mapA, , mapSfa, mapSfb] = r.maps;
    expect(mapA).toMatchObject({ shape: [37, 200], strides: [208, 1] });
    expect(mapSfa).toMatchObject({ ptr: ga.args[1], shape: [2, 37], strides: [40, 1] });
    expect(mapSfb).toMatchObject({ ptr: gb.args[1], shape: [2, 19], strides: [20, 1] });
    expect(gemm.defines.AB_TYPES).toBe(3);
    // (the scale gather is fetched without defines, as the ragged-M launcher does: grouped_fp8_sm90.cu's defaults)
    for (const l of [ta, gemm]) expectListed(l, 'sm_90a');
  });

  it('falls back to the portable kernel off Hopper, with GEMMKIT_CUDA_SM90=0, and for unaligned K-major rows', () => {
    const s = { k: 256, m: 64, n: 64, e: 2 };
    expect(names(run(s, 'sm_89'))).toEqual(['gk_gemm_moe']);
    process.env.GEMMKIT_CUDA_SM90 = '0';
    expect(names(run(s))).toEqual(['gk_gemm_moe']);
    delete process.env.GEMMKIT_CUDA_SM90;
    // K-major A whose rows are not whole 16 bytes apart cannot be a TMA source.
    expect(names(run({ ...s, majorA: 'K', lda: 260 }))).toEqual(['gk_gemm_moe']);
    expect(names(run({ ...s, majorA: 'K', lda: 272 }))).toContain('fp8_grouped_gemm_sm90');
  });

  it('empty problems launch nothing', () => {
    expect(run({ k: 128, m: 0, n: 16, e: 2 }).launches).toEqual([]);
    expect(run({ k: 128, m: 8, n: 16, e: 0 }).launches).toEqual([]);
  });

  it('compile tier: both tile heights × 4 FP8 type pairs + the transpose; stages fit shared memory', () => {
    expect(SM90_RAGGED_K_INSTANCES).toHaveLength(2 * 4 + 1);
    for (const i of SM90_RAGGED_K_INSTANCES) {
      expect(i.archs).toEqual(['sm_90a']);
      if (!('MODE' in i.defines)) continue;
      const d = i.defines as Record<string, number>;
      expect(d.MODE).toBe(3);
      const smem =
        d.STAGES * (d.BLOCK_M * 128 + d.BLOCK_N * 128 + d.BLOCK_M * 4 + d.BLOCK_N * 4) +
        2 * d.STAGES * 8 +
        1024;
      expect(smem).toBeLessThanOrEqual(227 * 1024);
    }
    expect(chooseSm90RaggedKConfig(64)).toMatchObject({ blockM: 64, stages: 8 });
    expect(chooseSm90RaggedKConfig(65)).toMatchObject({ blockM: 128, stages: 6 });
  });
});
