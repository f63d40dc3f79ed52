import { defineOp, type ValidateMode } from '../op.js';
import type { Granularity } from '../scale.js';
import type { Tensor } from '../tensor.js';
import { hostIndexValues } from './grouped/host-index.js';
import { cdiv } from './grouped/math.js';
import {
  checkHint,
  checkKAlign,
  checkMajorDim,
  checkOperand,
  checkOutInner,
  FP8_DTYPES,
  type HalfDtype,
  option,
  resolveGranularity,
  resolveHalfOut,
} from './grouped/operands.js';
import {
  checkRaggedMInfo,
  RAGGED_M_MODES,
  type RaggedMMode,
  raggedMRuns,
} from './grouped/ragged-m-layout.js';

export interface RaggedMMoeGemm8bitArgs {
  /** `[M, K]` e4m3/e5m2 tokens grouped by expert. `majorA` 'K' (default): K contiguous; 'M': M contiguous. */
  a: Tensor;
  /** `[M, ceil(K/gk)]` f32, one scale per token and K block (`gm` must be 1). */
  aScale: Tensor;
  /** `[E, N, K]` fp8 expert weights (same dtype as `a`). `majorB` 'K' (default): K contiguous; 'N': N contiguous. */
  b: Tensor;
  /** `[E, ceil(N/gn), ceil(K/gk)]` f32. */
  bScale: Tensor;
  /** int32; its meaning depends on `gemmMode` (see `RaggedMMode`): `[M]` expert ids or `[E]` ends/counts. */
  raggedTokensInfo: Tensor;
  /** Default 'per_token'. */
  gemmMode?: RaggedMMode;
  majorA?: 'M' | 'K';
  majorB?: 'N' | 'K';
  /** `[gm, gn, gk]`, default `[1, 128, 128]`; gm = 1, gn ∈ {1, 128}, gk = 128. */
  scaleGranularityMnk?: Granularity;
  /** Group alignment in rows, 128 (default) or 256. */
  alignmentM?: 128 | 256;
  /** Suggested number of multiprocessors (a hint; ignored by the CPU backend). */
  numMp?: number;
  /** `[M, N]` bf16 or f16, innermost dimension contiguous. Padding rows are never written. */
  out?: Tensor;
  /** Output dtype when `out` is absent (default 'bf16'). */
  outDtype?: HalfDtype;
}

export interface RaggedMMoeGemm8bitPlan {
  m: number;
  n: number;
  k: number;
  numExperts: number;
  gemmMode: RaggedMMode;
  majorA: 'M' | 'K';
  majorB: 'N' | 'K';
  granularity: Granularity;
  alignmentM: 128 | 256;
  outDtype: HalfDtype;
  outShape: [number, number];
  /** Rows that are computed (known when the index data was host-readable), else M. */
  activeRows: number;
}

const OP = 'raggedMMoeGemm8bit';

export const raggedMMoeGemm8bit = defineOp<RaggedMMoeGemm8bitArgs, RaggedMMoeGemm8bitPlan, Tensor>({
  name: OP,
  doc:
    'Contiguous (ragged-M) MoE GEMM: for every row m owned by expert e (see gemmMode), ' +
    'out[m, n] = round_out( Σ_k a[m,k]·aScale[m, k/gk] · b[e,n,k]·bScale[e, n/gn, k/gk] ), float64 accumulation. ' +
    'Rows owned by no expert (id -1 in per_token mode; gaps before an aligned group start and rows after the ' +
    'last group in psum_expert/per_expert mode) are padding: they are left untouched (never written; when ' +
    '`out` is omitted they hold whatever the backend allocated). per_token: rows of one alignmentM-row block ' +
    'share one expert. psum_expert: info[e] is the end row of expert e, which starts at info[e-1] rounded up ' +
    'to alignmentM. per_expert: info[e] is the token count, each group starts at the previous end rounded up.',
  validate(args, mode: ValidateMode = 'full') {
    const gemmMode = option(args.gemmMode, `${OP}.gemmMode`, RAGGED_M_MODES, 'per_token');
    const majorA = option(args.majorA, `${OP}.majorA`, ['M', 'K'] as const, 'K');
    const majorB = option(args.majorB, `${OP}.majorB`, ['N', 'K'] as const, 'K');
    const alignmentM = option(args.alignmentM, `${OP}.alignmentM`, [128, 256] as const, 128);
    const granularity = resolveGranularity(
      args.scaleGranularityMnk,
      `${OP}.scaleGranularityMnk`,
      [1, 128, 128],
      [[1], [1, 128], [128]],
    );
    checkHint(args.numMp, `${OP}.numMp`, 1);
    checkOperand(args.a, `${OP}.a`, FP8_DTYPES, [undefined, undefined], ['M', 'K']);
    const [m, k] = args.a.shape;
    checkOperand(args.b, `${OP}.b`, [args.a.dtype], [undefined, undefined, k], ['E', 'N', 'K']);
    const [numExperts, n] = args.b.shape;
    checkMajorDim(args.a, `${OP}.a`, majorA === 'K' ? 1 : 0, majorA);
    checkMajorDim(args.b, `${OP}.b`, majorB === 'K' ? 2 : 1, majorB);
    checkKAlign(k, `${OP}.a`);
    const kb = cdiv(k, granularity[2]);
    checkOperand(args.aScale, `${OP}.aScale`, ['f32'], [m, kb], ['M', 'ceil(K/gk)']);
    checkOperand(
      args.bScale,
      `${OP}.bScale`,
      ['f32'],
      [numExperts, cdiv(n, granularity[1]), kb],
      ['E', 'ceil(N/gn)', 'ceil(K/gk)'],
    );
    checkOperand(
      args.raggedTokensInfo,
      `${OP}.raggedTokensInfo`,
      ['i32'],
      [gemmMode === 'per_token' ? m : numExperts],
      [gemmMode === 'per_token' ? 'M' : 'E'],
    );
    const outDtype = resolveHalfOut(args.out, args.outDtype, `${OP}.out`);
    if (args.out) {
      checkOperand(args.out, `${OP}.out`, [outDtype], [m, n], ['M', 'N']);
      checkOutInner(args.out, `${OP}.out`);
    }
    let activeRows = m;
    const info = mode === 'full' ? hostIndexValues(args.raggedTokensInfo) : null;
    if (info) {
      checkRaggedMInfo(gemmMode, info, numExperts, m, alignmentM, `${OP}.raggedTokensInfo`);
      activeRows = raggedMRuns(gemmMode, info, numExperts, m, alignmentM).runs.reduce(
        (s, r) => s + r.end - r.start,
        0,
      );
    }
    return {
      m,
      n,
      k,
      numExperts,
      gemmMode,
      majorA,
      majorB,
      granularity,
      alignmentM,
      outDtype,
      outShape: [m, n],
      activeRows,
    };
  },
  flops: (p) => 2 * p.activeRows * p.n * p.k,
  bytes: (p) =>
    p.m * p.k +
    p.numExperts * p.n * p.k +
    4 *
      (p.m * cdiv(p.k, p.granularity[2]) +
        p.numExperts * cdiv(p.n, p.granularity[1]) * cdiv(p.k, p.granularity[2])) +
    4 * (p.gemmMode === 'per_token' ? p.m : p.numExperts) +
    2 * p.activeRows * p.n,
});
