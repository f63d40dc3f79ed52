import { dtypeBytes } from '../dtype.js';
import { fail } from '../errors.js';
import { defineOp, type ValidateMode } from '../op.js';
import type { Tensor } from '../tensor.js';
import { hostIndexValues } from './grouped/host-index.js';
import { moeOperand, moeOut } from './moe-common.js';

export interface MoePermuteArgs {
  /** `[T, H]` token rows, contiguous; any dtype of 1, 2 or 4 bytes (bf16 activations, e4m3 data, f32 scales). */
  x: Tensor;
  /** `[M]` i32 source token per grouped row, -1 = padding (moeAlignLayout's `tokenOf`). */
  tokenOf: Tensor;
  /** `[M, H]` output of x's dtype. */
  out?: Tensor;
}

export interface MoePermutePlan {
  tokens: number;
  rows: number;
  width: number;
  elemBytes: number;
}

const OP = 'moePermute';

export const moePermute = defineOp<MoePermuteArgs, MoePermutePlan, Tensor>({
  name: OP,
  doc:
    'Gather token rows into expert-grouped order: out[r, :] = x[tokenOf[r], :] when tokenOf[r] >= 0, else ' +
    'all-zero bytes. Bytes are copied exactly (FP8 data and its f32 per-token scales permute alike), every ' +
    'output element is written. tokenOf entries outside [-1, T) are rejected by full validation; a kernel ' +
    'that meets one writes a zero row and raises the device status.',
  validate(args, mode: ValidateMode = 'full') {
    moeOperand(
      args.x,
      `${OP}.x`,
      ['f32', 'f16', 'bf16', 'e4m3', 'e5m2', 'i32', 'u8', 'i8', 'ue8m0'],
      [undefined, undefined],
    );
    const [tokens, width] = args.x.shape;
    moeOperand(args.tokenOf, `${OP}.tokenOf`, ['i32'], [undefined], ['M']);
    const rows = args.tokenOf.shape[0];
    moeOut(args.out, `${OP}.out`, args.x.dtype, [rows, width]);
    const idx = mode === 'full' ? hostIndexValues(args.tokenOf) : null;
    if (idx) {
      const i = idx.findIndex((t) => !(t === -1 || (t >= 0 && t < tokens)));
      if (i >= 0)
        fail('E_RANGE', 'source token out of range', {
          arg: `${OP}.tokenOf`,
          expected: `-1 or [0, ${tokens})`,
          actual: `${idx[i]} at row ${i}`,
        });
    }
    return { tokens, rows, width, elemBytes: dtypeBytes(args.x.dtype) };
  },
  flops: () => 0,
  bytes: (p) => 4 * p.rows + 2 * p.rows * p.width * p.elemBytes,
});
