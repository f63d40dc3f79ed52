import { fail, type Tensor } from '@gemmkit/core';
import { checkDtype, checkHost, checkPositiveInt, hostValues, i32Tensor, roundUp } from './host.js';

/**
 * Contiguous (grouped) MoE layout, brief §8: rows grouped by expert, each group starting at the previous
 * group's end rounded up to `alignment` (128 or 256 for the DeepGEMM-style kernels); padding rows carry
 * expert id -1. Three equivalent descriptions are built: `mIndices` (per_token), `psum` (psum_expert:
 * each expert's end row, an empty expert's end = its aligned start) and `counts` (per_expert).
 */
export interface GroupedRows {
  /** Padded row count M = Σ roundup(count_e, alignment) (all groups start aligned). */
  readonly totalRows: number;
  /** `[M]` i32 expert id per row, -1 on padding rows. */
  readonly mIndices: Tensor;
  /** `[E]` i32 end row of each expert (psum_expert form). */
  readonly psum: Tensor;
  /** `[E]` i32 first row of each expert (multiples of the alignment). */
  readonly offsets: Tensor;
  /** `[E]` i32 rows of each expert (per_expert form). */
  readonly counts: Tensor;
  readonly alignment: number;
}

export interface ContiguousLayout extends GroupedRows {
  /** `[T, k]` i32 row of each (token, slot) in the grouped tensor; -1 for dropped slots (id -1). */
  readonly rowOf: Tensor;
}

/** Grouped rows from per-expert counts (`[E]` host i32/i64 tensor or numbers). Negative counts are errors. */
export function groupedRowsFromCounts(counts: Tensor | ArrayLike<number>, alignment = 128): GroupedRows {
  const op = 'moe.groupedRowsFromCounts';
  checkPositiveInt(alignment, `${op}.alignment`);
  let c: ArrayLike<number>;
  if (typeof counts === 'object' && counts !== null && 'storage' in counts) {
    checkHost(counts, `${op}.counts`);
    checkDtype(counts, `${op}.counts`, ['i32', 'i64']);
    if (counts.rank !== 1)
      fail('E_SHAPE', 'counts must be [E]', {
        arg: `${op}.counts`,
        expected: 'rank 1',
        actual: counts.shape,
      });
    c = hostValues(counts);
  } else c = counts;
  const e = c.length;
  const offsets = new Int32Array(e);
  const psum = new Int32Array(e);
  let start = 0;
  for (let i = 0; i < e; i++) {
    const n = c[i];
    if (!(Number.isInteger(n) && n >= 0))
      fail('E_RANGE', 'expert counts must be non-negative integers', {
        arg: `${op}.counts`,
        expected: 'integers >= 0',
        actual: `${n} at expert ${i}`,
      });
    offsets[i] = start;
    psum[i] = start + n;
    start = roundUp(start + n, alignment);
  }
  if (start > 2 ** 31 - 1)
    fail('E_RANGE', 'too many rows for i32 indices', {
      arg: `${op}.counts`,
      expected: '< 2^31 rows',
      actual: start,
    });
  const m = new Int32Array(start).fill(-1);
  for (let i = 0; i < e; i++) m.fill(i, offsets[i], psum[i]);
  return {
    totalRows: start,
    mIndices: i32Tensor(m, [start]),
    psum: i32Tensor(psum, [e]),
    offsets: i32Tensor(offsets, [e]),
    counts: i32Tensor(Array.from(c), [e]),
    alignment,
  };
}

/**
 * Contiguous layout of routed tokens `topkIds` `[T, k]` (i32/i64, host): expert e's rows hold its
 * (token, slot) pairs in increasing token order, then padding up to the alignment.
 */
export function contiguousLayout(
  topkIds: Tensor,
  numExperts: number,
  opts: { alignment?: number } = {},
): ContiguousLayout {
  const op = 'moe.contiguousLayout';
  checkHost(topkIds, `${op}.topkIds`);
  checkDtype(topkIds, `${op}.topkIds`, ['i32', 'i64']);
  if (topkIds.rank !== 2)
    fail('E_SHAPE', 'topkIds must be [T, k]', {
      arg: `${op}.topkIds`,
      expected: 'rank 2',
      actual: topkIds.shape,
    });
  checkPositiveInt(numExperts, `${op}.numExperts`);
  const alignment = opts.alignment ?? 128;
  checkPositiveInt(alignment, `${op}.alignment`);
  const ids = hostValues(topkIds);
  const counts = new Array<number>(numExperts).fill(0);
  for (let i = 0; i < ids.length; i++) {
    const e = ids[i];
    if (e === -1) continue;
    if (!(e >= 0 && e < numExperts))
      fail('E_RANGE', 'expert id out of range', {
        arg: `${op}.topkIds`,
        expected: `-1 or [0, ${numExperts})`,
        actual: `${e} at flat index ${i}`,
      });
    counts[e]++;
  }
  const rows = groupedRowsFromCounts(counts, alignment);
  const next = Int32Array.from(hostValues(rows.offsets));
  const rowOf = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) rowOf[i] = ids[i] === -1 ? -1 : next[ids[i]]++;
  return { ...rows, rowOf: i32Tensor(rowOf, [...topkIds.shape]) };
}
