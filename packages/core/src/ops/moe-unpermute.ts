import { fail } from '../errors.js';
import { defineOp, type ValidateMode } from '../op.js';
import type { Tensor } from '../tensor.js';
import { hostIndexValues } from './grouped/host-index.js';
import { MOE_FLOAT_DTYPES, moeOperand, moeOut } from './moe-common.js';
import { option } from './quant-common.js';

export interface MoeUnpermuteArgs {
  /** `[M, H]` f32/f16/bf16 expert outputs in grouped order, contiguous. */
  y: Tensor;
  /** `[T, k]` i32 grouped row of each (token, slot), -1 = dropped (moeAlignLayout's `rowOf`). */
  rowOf: Tensor;
  /** `[T, k]` f32 combine weights (default 1 for every slot). */
  topkWeights?: Tensor;
  /** Default: y's dtype. */
  outDtype?: 'f32' | 'f16' | 'bf16';
  /** `[T, H]` output. */
  out?: Tensor;
}

export interface MoeUnpermutePlan {
  tokens: number;
  k: number;
  rows: number;
  width: number;
  inDtype: 'f32' | 'f16' | 'bf16';
  outDtype: 'f32' | 'f16' | 'bf16';
  weighted: boolean;
}

const OP = 'moeUnpermute';
const bytesOf = (d: string) => (d === 'f32' ? 4 : 2);

export const moeUnpermute = defineOp<MoeUnpermuteArgs, MoeUnpermutePlan, Tensor>({
  name: OP,
  doc:
    'Weighted combine of grouped expert outputs back to tokens: out[t, c] = round_out( Σ_{j: rowOf[t,j] >= 0} ' +
    'w[t, j] · y[rowOf[t, j], c] ), w = 1 without topkWeights; the reference accumulates in float64 and rounds ' +
    'once, devices accumulate in f32 in slot order j = 0..k-1. A token with no live slot gets 0. rowOf entries ' +
    'outside [-1, M) are rejected by full validation; a kernel that meets one skips the slot and raises the ' +
    'device status.',
  validate(args, mode: ValidateMode = 'full') {
    moeOperand(args.y, `${OP}.y`, MOE_FLOAT_DTYPES, [undefined, undefined], ['M', 'H']);
    const [rows, width] = args.y.shape;
    moeOperand(args.rowOf, `${OP}.rowOf`, ['i32'], [undefined, undefined], ['T', 'k']);
    const [tokens, k] = args.rowOf.shape;
    if (args.topkWeights !== undefined)
      moeOperand(args.topkWeights, `${OP}.topkWeights`, ['f32'], [tokens, k], ['T', 'k']);
    const inDtype = args.y.dtype as MoeUnpermutePlan['inDtype'];
    const outDtype = option(args.outDtype, `${OP}.outDtype`, ['f32', 'f16', 'bf16'] as const, inDtype);
    moeOut(args.out, `${OP}.out`, outDtype, [tokens, width]);
    const idx = mode === 'full' ? hostIndexValues(args.rowOf) : null;
    if (idx) {
      const i = idx.findIndex((r) => !(r === -1 || (r >= 0 && r < rows)));
      if (i >= 0)
        fail('E_RANGE', 'grouped row out of range', {
          arg: `${OP}.rowOf`,
          expected: `-1 or [0, ${rows})`,
          actual: `${idx[i]} at flat index ${i}`,
        });
    }
    return { tokens, k, rows, width, inDtype, outDtype, weighted: args.topkWeights !== undefined };
  },
  flops: (p) => 2 * p.tokens * p.k * p.width,
  bytes: (p) =>
    p.tokens * p.k * (4 + (p.weighted ? 4 : 0) + p.width * bytesOf(p.inDtype)) +
    p.tokens * p.width * bytesOf(p.outDtype),
});
