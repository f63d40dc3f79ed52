import { checkInt } from '../check.js';
import { fail } from '../errors.js';
import { defineOp, type ValidateMode } from '../op.js';
import type { Tensor } from '../tensor.js';
import { hostIndexValues } from './grouped/host-index.js';
import { checkMajorDim, checkOperand, checkOutInner, HALF_DTYPES } from './grouped/operands.js';
import { checkSegments, segmentRanges } from './grouped/segments.js';

export interface SegmentGemmArgs {
  /** `[S, dIn]` bf16/f16: the segments' rows one after another; innermost contiguous. */
  x: Tensor;
  /**
   * Same dtype as `x`, innermost contiguous: `[W, dIn, dOut]` when `weightColumnMajor` is false,
   * `[W, dOut, dIn]` when true.
   */
  weights: Tensor;
  /** Number of segments. */
  batchSize: number;
  weightColumnMajor: boolean;
  /** `[batchSize]` i64/i32 segment lengths; segment i starts where segment i-1 ends (the first at row 0). */
  segLens?: Tensor;
  /** `[batchSize + 1]` i64/i32 row offsets; wins over `segLens` when both are given. */
  segIndptr?: Tensor;
  /** `[batchSize]` i64/i32: the weight of each segment (default: segment i uses weight i). */
  weightIndices?: Tensor;
  /** `[S, dOut]` of x's dtype, innermost contiguous. Rows outside every segment are never written. */
  out?: Tensor;
}

export interface SegmentGemmPlan {
  rows: number;
  dIn: number;
  dOut: number;
  numWeights: number;
  batchSize: number;
  weightColumnMajor: boolean;
  dtype: 'bf16' | 'f16';
  outShape: [number, number];
  useIndptr: boolean;
  /** Rows covered by segments (when host-readable), else S. */
  activeRows: number;
}

const OP = 'segmentGemm';
const INDEX = ['i64', 'i32'] as const;

export const segmentGemm = defineOp<SegmentGemmArgs, SegmentGemmPlan, Tensor>({
  name: OP,
  doc:
    'Segment GEMM (FlashInfer SegmentGEMMWrapper.run): for segment i with rows [p_i, p_{i+1}) and weight ' +
    'w = weightIndices[i] (default i), y[r, o] = round( Σ_j x[r, j] · W_w[j, o] ), W_w = weights[w] ' +
    '(row-major [dIn, dOut]) or weights[w]ᵀ (weightColumnMajor: stored [dOut, dIn]); float64 accumulation, ' +
    'output dtype = x dtype. p = segIndptr, or prefix sums of segLens from 0. Rows outside every segment ' +
    'are left untouched.',
  validate(args, mode: ValidateMode = 'full') {
    checkOperand(args.x, `${OP}.x`, HALF_DTYPES, [undefined, undefined], ['S', 'dIn']);
    const [rows, dIn] = args.x.shape;
    if (typeof args.weightColumnMajor !== 'boolean')
      fail('E_UNSUPPORTED', 'weightColumnMajor must be a boolean', {
        arg: `${OP}.weightColumnMajor`,
        expected: 'boolean',
        actual: args.weightColumnMajor,
      });
    const wc = args.weightColumnMajor;
    checkOperand(
      args.weights,
      `${OP}.weights`,
      [args.x.dtype],
      wc ? [undefined, undefined, dIn] : [undefined, dIn, undefined],
      wc ? ['W', 'dOut', 'dIn'] : ['W', 'dIn', 'dOut'],
    );
    const numWeights = args.weights.shape[0];
    const dOut = wc ? args.weights.shape[1] : args.weights.shape[2];
    checkMajorDim(args.x, `${OP}.x`, 1, 'dIn');
    checkMajorDim(args.weights, `${OP}.weights`, 2, wc ? 'dIn' : 'dOut');
    checkInt(args.batchSize, `${OP}.batchSize`, 0);
    const batch = args.batchSize;
    if (args.segIndptr === undefined && args.segLens === undefined)
      fail('E_UNSUPPORTED', 'one of segLens or segIndptr is required', {
        arg: `${OP}.segLens`,
        expected: 'segLens or segIndptr',
        actual: 'neither',
      });
    const useIndptr = args.segIndptr !== undefined;
    if (useIndptr) checkOperand(args.segIndptr, `${OP}.segIndptr`, INDEX, [batch + 1], ['batchSize + 1']);
    else checkOperand(args.segLens, `${OP}.segLens`, INDEX, [batch], ['batchSize']);
    if (args.weightIndices !== undefined)
      checkOperand(args.weightIndices, `${OP}.weightIndices`, INDEX, [batch], ['batchSize']);
    else if (numWeights < batch)
      fail('E_SHAPE', 'without weightIndices segment i uses weights[i]: need one weight per segment', {
        arg: `${OP}.weights`,
        expected: `>= ${batch} weights`,
        actual: args.weights.shape,
      });
    if (args.out) {
      checkOperand(args.out, `${OP}.out`, [args.x.dtype], [rows, dOut], ['S', 'dOut']);
      checkOutInner(args.out, `${OP}.out`);
    }
    let activeRows = rows;
    if (mode === 'full') {
      const indptr = useIndptr ? hostIndexValues(args.segIndptr!) : null;
      const lens = useIndptr ? null : hostIndexValues(args.segLens!);
      const widx = args.weightIndices ? hostIndexValues(args.weightIndices) : null;
      const readable = (useIndptr ? indptr : lens) !== null && (!args.weightIndices || widx !== null);
      if (readable) {
        checkSegments(batch, rows, numWeights, indptr, lens, widx, OP);
        activeRows = segmentRanges(batch, rows, numWeights, indptr, lens, widx).segments.reduce(
          (s, g) => s + g.end - g.start,
          0,
        );
      }
    }
    return {
      rows,
      dIn,
      dOut,
      numWeights,
      batchSize: batch,
      weightColumnMajor: wc,
      dtype: args.x.dtype as 'bf16' | 'f16',
      outShape: [rows, dOut],
      useIndptr,
      activeRows,
    };
  },
  flops: (p) => 2 * p.activeRows * p.dIn * p.dOut,
  bytes: (p) =>
    2 * (p.activeRows * p.dIn + Math.min(p.numWeights, Math.max(p.batchSize, 1)) * p.dIn * p.dOut) +
    2 * p.activeRows * p.dOut +
    8 * (2 * p.batchSize + 1),
});
