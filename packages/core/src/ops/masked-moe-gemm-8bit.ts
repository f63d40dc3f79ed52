import type { CallOptions, Context } from '../context.js';
import { fail } from '../errors.js';
import { defineOp, type ValidateMode } from '../op.js';
import type { Granularity } from '../scale.js';
import { Tensor } from '../tensor.js';
import { hostIndexValues } from './grouped/host-index.js';
import { checkMaskedM, maskedRows } from './grouped/masked-layout.js';
import { cdiv } from './grouped/math.js';
import {
  checkHint,
  checkKAlign,
  checkMajorDim,
  checkOperand,
  checkOutInner,
  FP8_DTYPES,
  type HalfDtype,
  resolveGranularity,
  resolveHalfOut,
} from './grouped/operands.js';

/** Rows per overlap-signal block: one int32 counter per (expert, 64-row block). */
export const SIGNAL_BLOCK_M = 64;

export interface MaskedMoeGemm8bitArgs {
  /** `[E, maxM, K]` e4m3/e5m2, K contiguous. Only the first `maskedM[e]` rows of group e are used. */
  a: Tensor;
  /** `[E, maxM, ceil(K/gk)]` f32. */
  aScale: Tensor;
  /** `[E, N, K]` fp8 (same dtype as `a`), K contiguous. */
  b: Tensor;
  /** `[E, ceil(N/gn), ceil(K/gk)]` f32. */
  bScale: Tensor;
  /** `[E]` int32 valid rows per expert, each in `[0, maxM]` (device-resident in practice). */
  maskedM: Tensor;
  /** `[E, maxM, N]` bf16/f16, innermost dimension contiguous. Rows ≥ maskedM[e] are never written. */
  out?: Tensor;
  outDtype?: HalfDtype;
  /** `[gm, gn, gk]`, default `[1, 128, 128]`; gm = 1, gn ∈ {1, 128}, gk = 128. */
  scaleGranularityMnk?: Granularity;
  /** Host hint of the typical rows per expert (default 0 = unknown). */
  expectTokens?: number;
  /** Single-batch overlap: also count stored N tiles per (expert, 64-row block) in `signal`. */
  enableOverlap?: boolean;
  /** `[E · ceil(maxM/64)]` int32 counters (only with `enableOverlap`); allocated zeroed when absent. */
  signal?: Tensor;
}

/** What the op returns with `enableOverlap: true`. */
export interface MaskedMoeOverlapResult {
  readonly out: Tensor;
  /** The counters after the op: block (e, j) with rows gained `threshold`; blocks without rows are untouched. */
  readonly signal: Tensor;
  /** Rows per counter (64). */
  readonly blockM: number;
  /** `ceil(N / blockN)` for the N tile the backend used: a consumer waits until a counter reaches it. */
  readonly threshold: number;
}

/** `Tensor` without overlap, `MaskedMoeOverlapResult` with it; narrow with `isMaskedMoeOverlap`. */
export type MaskedMoeGemm8bitResult = Tensor | MaskedMoeOverlapResult;

export function isMaskedMoeOverlap(r: MaskedMoeGemm8bitResult): r is MaskedMoeOverlapResult {
  return !(r instanceof Tensor);
}

/** The output tensor of either result form. */
export function maskedMoeOut(r: MaskedMoeGemm8bitResult): Tensor {
  return isMaskedMoeOverlap(r) ? r.out : r;
}

/** Typed call through a context: the result type follows `enableOverlap`. */
export function runMaskedMoeGemm8bit(
  gk: Context,
  args: MaskedMoeGemm8bitArgs & { enableOverlap: true },
  opts?: CallOptions,
): MaskedMoeOverlapResult;
export function runMaskedMoeGemm8bit(
  gk: Context,
  args: MaskedMoeGemm8bitArgs & { enableOverlap?: false },
  opts?: CallOptions,
): Tensor;
export function runMaskedMoeGemm8bit(
  gk: Context,
  args: MaskedMoeGemm8bitArgs,
  opts?: CallOptions,
): MaskedMoeGemm8bitResult;
export function runMaskedMoeGemm8bit(
  gk: Context,
  args: MaskedMoeGemm8bitArgs,
  opts?: CallOptions,
): MaskedMoeGemm8bitResult {
  return gk.run('maskedMoeGemm8bit', args, opts);
}

export interface MaskedMoeGemm8bitPlan {
  numExperts: number;
  maxM: number;
  n: number;
  k: number;
  granularity: Granularity;
  outDtype: HalfDtype;
  outShape: [number, number, number];
  enableOverlap: boolean;
  /** `ceil(maxM / 64)` counters per expert. */
  signalBlocks: number;
  expectTokens: number;
  /** Σ of the clamped masked rows when host-readable, else E·maxM. */
  activeRows: number;
}

const OP = 'maskedMoeGemm8bit';

export const maskedMoeGemm8bit = defineOp<
  MaskedMoeGemm8bitArgs,
  MaskedMoeGemm8bitPlan,
  MaskedMoeGemm8bitResult
>({
  name: OP,
  doc:
    'Masked MoE GEMM: for each expert e and row m < maskedM[e], out[e,m,n] = round_out( Σ_k ' +
    'a[e,m,k]·aScale[e,m,k/gk] · b[e,n,k]·bScale[e,n/gn,k/gk] ), float64 accumulation; rows ≥ maskedM[e] are ' +
    'left untouched. With enableOverlap, after the tiles of a 64-row block are stored its int32 counter ' +
    'signal[e·ceil(maxM/64) + j] is incremented once per N tile (release order), so it ends at threshold = ' +
    'ceil(N/blockN); blocks without rows are not touched. Returns { out, signal, blockM: 64, threshold } ' +
    'then, else out. The CPU backend uses blockN = 128.',
  validate(args, mode: ValidateMode = 'full') {
    const granularity = resolveGranularity(
      args.scaleGranularityMnk,
      `${OP}.scaleGranularityMnk`,
      [1, 128, 128],
      [[1], [1, 128], [128]],
    );
    checkHint(args.expectTokens, `${OP}.expectTokens`);
    const enableOverlap = args.enableOverlap ?? false;
    if (typeof enableOverlap !== 'boolean')
      fail('E_UNSUPPORTED', 'enableOverlap must be a boolean', {
        arg: `${OP}.enableOverlap`,
        expected: 'boolean',
        actual: enableOverlap,
      });
    checkOperand(args.a, `${OP}.a`, FP8_DTYPES, [undefined, undefined, undefined], ['E', 'maxM', 'K']);
    const [numExperts, maxM, k] = args.a.shape;
    checkOperand(args.b, `${OP}.b`, [args.a.dtype], [numExperts, undefined, k], ['E', 'N', 'K']);
    const n = args.b.shape[1];
    checkMajorDim(args.a, `${OP}.a`, 2, 'K');
    checkMajorDim(args.b, `${OP}.b`, 2, 'K');
    checkKAlign(k, `${OP}.a`);
    const kb = cdiv(k, granularity[2]);
    checkOperand(args.aScale, `${OP}.aScale`, ['f32'], [numExperts, maxM, kb], ['E', 'maxM', 'ceil(K/gk)']);
    checkOperand(
      args.bScale,
      `${OP}.bScale`,
      ['f32'],
      [numExperts, cdiv(n, granularity[1]), kb],
      ['E', 'ceil(N/gn)', 'ceil(K/gk)'],
    );
    checkOperand(args.maskedM, `${OP}.maskedM`, ['i32'], [numExperts], ['E']);
    const outDtype = resolveHalfOut(args.out, args.outDtype, `${OP}.out`);
    if (args.out) {
      checkOperand(args.out, `${OP}.out`, [outDtype], [numExperts, maxM, n], ['E', 'maxM', 'N']);
      checkOutInner(args.out, `${OP}.out`);
    }
    const signalBlocks = cdiv(maxM, SIGNAL_BLOCK_M);
    if (args.signal !== undefined) {
      if (!enableOverlap)
        fail('E_UNSUPPORTED', 'signal is only used with enableOverlap: true', {
          arg: `${OP}.signal`,
          expected: 'enableOverlap: true',
          actual: 'enableOverlap: false',
        });
      checkOperand(args.signal, `${OP}.signal`, ['i32'], [numExperts * signalBlocks], ['E·ceil(maxM/64)']);
      checkOutInner(args.signal, `${OP}.signal`);
    }
    let activeRows = numExperts * maxM;
    const masked = mode === 'full' ? hostIndexValues(args.maskedM) : null;
    if (masked) {
      checkMaskedM(masked, maxM, `${OP}.maskedM`);
      activeRows = masked.reduce((s, _, e) => s + maskedRows(masked, e, maxM), 0);
    }
    return {
      numExperts,
      maxM,
      n,
      k,
      granularity,
      outDtype,
      outShape: [numExperts, maxM, n],
      enableOverlap,
      signalBlocks,
      expectTokens: args.expectTokens ?? 0,
      activeRows,
    };
  },
  flops: (p) => 2 * p.activeRows * p.n * p.k,
  bytes: (p) =>
    p.activeRows * p.k +
    p.numExperts * p.n * p.k +
    4 * (p.activeRows * cdiv(p.k, p.granularity[2])) +
    4 * p.numExperts * cdiv(p.n, p.granularity[1]) * cdiv(p.k, p.granularity[2]) +
    4 * p.numExperts +
    2 * p.activeRows * p.n +
    (p.enableOverlap ? 8 * p.numExperts * p.signalBlocks : 0),
});
