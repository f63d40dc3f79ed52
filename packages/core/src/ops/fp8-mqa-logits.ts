import { fail } from '../errors.js';
import { defineOp, type ValidateMode } from '../op.js';
import type { Tensor } from '../tensor.js';
import { hostIndexValues } from './grouped/host-index.js';
import { checkBool, checkIndexerHeadsDim } from './grouped/indexer-operands.js';
import { checkMajorDim, checkOperand, checkOutInner } from './grouped/operands.js';

export interface Fp8MqaLogitsArgs {
  /** `[S, H, D]` e4m3 queries, D contiguous. H ∈ {8, 16, 32, 64}, D ∈ {64, 128}. */
  q: Tensor;
  /** `[SKv, D]` e4m3 keys, D contiguous. */
  k: Tensor;
  /** `[SKv]` f32 per-key scales. */
  kScale: Tensor;
  /** `[S, H]` f32 head weights. */
  weights: Tensor;
  /** `[S]` int32: first visible key of each query row. */
  cuSeqLenKStart: Tensor;
  /** `[S]` int32: one past the last visible key (`0 ≤ start ≤ end ≤ SKv`). */
  cuSeqLenKEnd: Tensor;
  /** Write −inf outside `[start, end)`; without it those positions are left untouched. */
  cleanLogits: boolean;
  /** `[S, SKv]` f32, innermost contiguous. */
  out?: Tensor;
}

export interface Fp8MqaLogitsPlan {
  seqLen: number;
  seqLenKv: number;
  heads: number;
  dim: number;
  cleanLogits: boolean;
  outShape: [number, number];
  /** Σ (end − start) when host-readable, else S·SKv. */
  visible: number;
}

const OP = 'fp8MqaLogits';

export const fp8MqaLogits = defineOp<Fp8MqaLogitsArgs, Fp8MqaLogitsPlan, Tensor>({
  name: OP,
  doc:
    'Non-paged lightning indexer: for query row i and key j in [start_i, end_i), out[i, j] = round_f32( Σ_h ' +
    'weights[i,h] · relu(kScale[j] · Σ_d q[i,h,d]·k[j,d]) ), float64 accumulation; other positions are −inf ' +
    'with cleanLogits, else untouched.',
  validate(args, mode: ValidateMode = 'full') {
    checkOperand(args.q, `${OP}.q`, ['e4m3'], [undefined, undefined, undefined], ['S', 'H', 'D']);
    const [seqLen, heads, dim] = args.q.shape;
    checkIndexerHeadsDim(args.q, `${OP}.q`, heads, dim);
    checkMajorDim(args.q, `${OP}.q`, 2, 'D');
    checkOperand(args.k, `${OP}.k`, ['e4m3'], [undefined, dim], ['SKv', 'D']);
    const seqLenKv = args.k.shape[0];
    checkMajorDim(args.k, `${OP}.k`, 1, 'D');
    checkOperand(args.kScale, `${OP}.kScale`, ['f32'], [seqLenKv], ['SKv']);
    checkOperand(args.weights, `${OP}.weights`, ['f32'], [seqLen, heads], ['S', 'H']);
    checkOperand(args.cuSeqLenKStart, `${OP}.cuSeqLenKStart`, ['i32'], [seqLen], ['S']);
    checkOperand(args.cuSeqLenKEnd, `${OP}.cuSeqLenKEnd`, ['i32'], [seqLen], ['S']);
    checkBool(args.cleanLogits, `${OP}.cleanLogits`);
    if (args.out) {
      checkOperand(args.out, `${OP}.out`, ['f32'], [seqLen, seqLenKv], ['S', 'SKv']);
      checkOutInner(args.out, `${OP}.out`);
    }
    let visible = seqLen * seqLenKv;
    const ks = mode === 'full' ? hostIndexValues(args.cuSeqLenKStart) : null;
    const ke = mode === 'full' ? hostIndexValues(args.cuSeqLenKEnd) : null;
    if (ks && ke) {
      visible = 0;
      for (let i = 0; i < seqLen; i++) {
        if (ks[i] < 0 || ks[i] > seqLenKv)
          fail('E_RANGE', `key start of row ${i} outside [0, SKv]`, {
            arg: `${OP}.cuSeqLenKStart`,
            expected: `[0, ${seqLenKv}]`,
            actual: ks[i],
          });
        if (ke[i] < ks[i] || ke[i] > seqLenKv)
          fail('E_RANGE', `key end of row ${i} outside [start, SKv]`, {
            arg: `${OP}.cuSeqLenKEnd`,
            expected: `[${ks[i]}, ${seqLenKv}]`,
            actual: ke[i],
          });
        visible += ke[i] - ks[i];
      }
    }
    return {
      seqLen,
      seqLenKv,
      heads,
      dim,
      cleanLogits: args.cleanLogits,
      outShape: [seqLen, seqLenKv],
      visible,
    };
  },
  flops: (p) => p.visible * p.heads * (2 * p.dim + 3),
  bytes: (p) =>
    p.seqLen * p.heads * (p.dim + 4) + p.seqLenKv * (p.dim + 4) + 8 * p.seqLen + 4 * p.seqLen * p.seqLenKv,
});
