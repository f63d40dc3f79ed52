import { defineOp, type ValidateMode } from '../op.js';
import type { Granularity } from '../scale.js';
import type { Tensor } from '../tensor.js';
import { hostIndexValues } from './grouped/host-index.js';
import { cdiv } from './grouped/math.js';
import {
  checkHint,
  checkMajorDim,
  checkOperand,
  checkOutInner,
  FP8_DTYPES,
  option,
  resolveGranularity,
} from './grouped/operands.js';
import { checkRaggedKCounts, raggedKRanges } from './grouped/ragged-k-layout.js';

export interface RaggedKMoeGemm8bitArgs {
  /** `[K, M]` e4m3/e5m2; the K rows of all experts one after another. `majorA` 'M' (default): M contiguous. */
  a: Tensor;
  /** `[ceil(K/128), M]` f32: one scale per 128-row K block and column m. */
  aScale: Tensor;
  /** `[K, N]` fp8 (same dtype as `a`). `majorB` 'N' (default): N contiguous; 'K': K contiguous. */
  b: Tensor;
  /** `[ceil(K/128), N]` f32. */
  bScale: Tensor;
  /** `[E]` int32: the K rows of each expert (multiples of 128; experts may be empty). */
  raggedTokensInfo: Tensor;
  /** `[E, M, N]` f32, required: the op accumulates `out += Aeᵀ·Be`. Innermost dimension contiguous. */
  out: Tensor;
  /** Only 'per_expert'. */
  gemmMode?: 'per_expert';
  majorA?: 'M' | 'K';
  majorB?: 'N' | 'K';
  /** Only `[1, 1, 128]` (the default). */
  scaleGranularityMnk?: Granularity;
  /** Suggested number of multiprocessors (a hint). */
  numMp?: number;
}

export interface RaggedKMoeGemm8bitPlan {
  m: number;
  n: number;
  /** Rows of A and B (Σ of the expert K counts is at most this). */
  kTotal: number;
  numExperts: number;
  majorA: 'M' | 'K';
  majorB: 'N' | 'K';
  granularity: Granularity;
  outShape: [number, number, number];
  /** Σ of the K counts when host-readable, else kTotal. */
  activeK: number;
}

const OP = 'raggedKMoeGemm8bit';

export const raggedKMoeGemm8bit = defineOp<RaggedKMoeGemm8bitArgs, RaggedKMoeGemm8bitPlan, Tensor>({
  name: OP,
  doc:
    'Ragged-K MoE GEMM (weight gradients): expert e owns K rows [s_e, s_e + c_e) with s_e = Σ_{i<e} c_i ' +
    '(c = raggedTokensInfo). out[e, m, n] = round_f32( out[e, m, n] + Σ_{k in e} a[k,m]·aScale[k/128, m] · ' +
    'b[k,n]·bScale[k/128, n] ), the old value joins the float64 sum before the one rounding. Empty experts ' +
    'leave out[e] unchanged. Scales are (1, 1, 128): per column of A/B and 128-row K block.',
  validate(args, mode: ValidateMode = 'full') {
    option(args.gemmMode, `${OP}.gemmMode`, ['per_expert'] as const, 'per_expert');
    const majorA = option(args.majorA, `${OP}.majorA`, ['M', 'K'] as const, 'M');
    const majorB = option(args.majorB, `${OP}.majorB`, ['N', 'K'] as const, 'N');
    const granularity = resolveGranularity(
      args.scaleGranularityMnk,
      `${OP}.scaleGranularityMnk`,
      [1, 1, 128],
      [[1], [1], [128]],
    );
    checkHint(args.numMp, `${OP}.numMp`, 1);
    checkOperand(args.a, `${OP}.a`, FP8_DTYPES, [undefined, undefined], ['K', 'M']);
    const [kTotal, m] = args.a.shape;
    checkOperand(args.b, `${OP}.b`, [args.a.dtype], [kTotal, undefined], ['K', 'N']);
    const n = args.b.shape[1];
    checkMajorDim(args.a, `${OP}.a`, majorA === 'M' ? 1 : 0, majorA);
    checkMajorDim(args.b, `${OP}.b`, majorB === 'N' ? 1 : 0, majorB);
    const kb = cdiv(kTotal, granularity[2]);
    checkOperand(args.aScale, `${OP}.aScale`, ['f32'], [kb, m], ['ceil(K/128)', 'M']);
    checkOperand(args.bScale, `${OP}.bScale`, ['f32'], [kb, n], ['ceil(K/128)', 'N']);
    checkOperand(args.raggedTokensInfo, `${OP}.raggedTokensInfo`, ['i32'], [undefined], ['E']);
    const numExperts = args.raggedTokensInfo.shape[0];
    checkOperand(args.out, `${OP}.out`, ['f32'], [numExperts, m, n], ['E', 'M', 'N']);
    checkOutInner(args.out, `${OP}.out`);
    let activeK = kTotal;
    const counts = mode === 'full' ? hostIndexValues(args.raggedTokensInfo) : null;
    if (counts) {
      checkRaggedKCounts(counts, kTotal, granularity[2], `${OP}.raggedTokensInfo`);
      activeK = raggedKRanges(counts, kTotal).ranges.reduce((s, r) => s + r.end - r.start, 0);
    }
    return {
      m,
      n,
      kTotal,
      numExperts,
      majorA,
      majorB,
      granularity,
      outShape: [numExperts, m, n],
      activeK,
    };
  },
  flops: (p) => 2 * p.activeK * p.m * p.n,
  bytes: (p) =>
    p.kTotal * (p.m + p.n) +
    4 * cdiv(p.kTotal, 128) * (p.m + p.n) +
    4 * p.numExperts +
    8 * p.numExperts * p.m * p.n,
});
