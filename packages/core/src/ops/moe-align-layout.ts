import { fail } from '../errors.js';
import { defineOp, type ValidateMode } from '../op.js';
import type { Tensor } from '../tensor.js';
import { hostIndexValues } from './grouped/host-index.js';
import { moeIntOption, moeMaxRows, moeOperand } from './moe-common.js';

export interface MoeAlignLayoutArgs {
  /** `[T, k]` i32 expert id per (token, slot), contiguous; -1 = dropped slot (e.g. another rank's expert). */
  topkIds: Tensor;
  /** E, the number of experts. */
  numExperts: number;
  /** Group alignment in rows (default 128; 128/256 for the grouped GEMMs, any positive integer ≤ 4096). */
  alignmentM?: number;
}

export interface MoeAlignLayoutPlan {
  tokens: number;
  k: number;
  numExperts: number;
  alignmentM: number;
  /** Rows of the grouped tensor: the static upper bound `moeMaxRows(T·k, E, A)`. */
  rows: number;
}

export interface MoeAlignLayoutResult {
  /** `[M]` i32 expert of each grouped row, -1 on padding (raggedMMoeGemm8bit per_token form). */
  readonly mIndices: Tensor;
  /** `[M]` i32 source token of each grouped row, -1 on padding (moePermute's gather map). */
  readonly tokenOf: Tensor;
  /** `[T, k]` i32 grouped row of each (token, slot), -1 for dropped slots (moeUnpermute's map). */
  readonly rowOf: Tensor;
  /** `[E]` i32 end row of each expert (psum_expert form). */
  readonly psum: Tensor;
  /** `[E]` i32 (token, slot) pairs per expert (per_expert form). */
  readonly counts: Tensor;
  /** `[1]` i32 rows in use: Σ_e roundup(counts[e], A) ≤ M. */
  readonly numRows: Tensor;
}

const OP = 'moeAlignLayout';

export const moeAlignLayout = defineOp<MoeAlignLayoutArgs, MoeAlignLayoutPlan, MoeAlignLayoutResult>({
  name: OP,
  doc:
    'Contiguous MoE layout built on the device in one pass (no host round trip). counts[e] = #{(t, j): ' +
    'topkIds[t, j] = e}; expert e owns rows [off_e, off_e + counts[e]) with off_0 = 0, off_{e+1} = ' +
    'roundup(off_e + counts[e], A); psum[e] = off_e + counts[e]; numRows = off_E. Inside a group the pairs are ' +
    'in increasing flat index t·k + j (deterministic, equal to the host contiguousLayout). mIndices[r] = e and ' +
    'tokenOf[r] = t for the row of (t, j); every other row of the M = moeMaxRows(T·k, E, A) allocated rows ' +
    '(group padding and the tail past numRows) has mIndices = tokenOf = -1. rowOf[t, j] = that row, -1 when ' +
    'topkIds[t, j] = -1. Ids outside [-1, E) are rejected by full validation; a kernel that meets one treats ' +
    'the slot as dropped and raises the device status (E_RANGE at the next sync).',
  validate(args, mode: ValidateMode = 'full') {
    moeOperand(args.topkIds, `${OP}.topkIds`, ['i32'], [undefined, undefined], ['T', 'k']);
    const [tokens, k] = args.topkIds.shape;
    const numExperts = moeIntOption(args.numExperts, `${OP}.numExperts`, undefined, 65536);
    const alignmentM = moeIntOption(args.alignmentM, `${OP}.alignmentM`, 128, 4096);
    const rows = moeMaxRows(tokens * k, numExperts, alignmentM);
    if (rows > 2 ** 31 - 1)
      fail('E_RANGE', 'too many grouped rows for i32 indices', {
        arg: `${OP}.topkIds`,
        expected: '< 2^31 rows',
        actual: rows,
      });
    const ids = mode === 'full' ? hostIndexValues(args.topkIds) : null;
    if (ids) {
      const i = ids.findIndex((e) => !(e === -1 || (e >= 0 && e < numExperts)));
      if (i >= 0)
        fail('E_RANGE', 'expert id out of range', {
          arg: `${OP}.topkIds`,
          expected: `-1 or [0, ${numExperts})`,
          actual: `${ids[i]} at flat index ${i}`,
        });
    }
    return { tokens, k, numExperts, alignmentM, rows };
  },
  flops: () => 0,
  bytes: (p) => 4 * (2 * p.tokens * p.k + 2 * p.rows + 2 * p.numExperts + 1),
});
