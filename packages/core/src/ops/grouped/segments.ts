import { fail } from '../../errors.js';

/** One segment: rows `[start, end)` of x/y multiplied by weight `weight`. */
export interface Segment {
  readonly start: number;
  readonly end: number;
  readonly weight: number;
}

/**
 * Segments of a segment GEMM from `segIndptr` (`[B+1]`) or, when absent, `segLens` (`[B]`, prefix sums from
 * row 0), with `weightIndices[i]` (default i). Kernel-safe: rows are clamped to `[0, rows)`, segments with a
 * weight index outside `[0, numWeights)` are skipped; `bad` counts what needed clamping or skipping.
 */
export function segmentRanges(
  batch: number,
  rows: number,
  numWeights: number,
  indptr: ArrayLike<number> | null,
  lens: ArrayLike<number> | null,
  weightIndices: ArrayLike<number> | null,
): { segments: Segment[]; bad: number } {
  const segments: Segment[] = [];
  let bad = 0;
  let at = 0;
  for (let i = 0; i < batch; i++) {
    let start: number;
    let end: number;
    if (indptr) {
      start = indptr[i];
      end = indptr[i + 1];
    } else {
      const l = lens ? lens[i] : 0;
      start = at;
      end = at + l;
    }
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > rows) bad++;
    start = Number.isInteger(start) ? Math.min(Math.max(start, 0), rows) : 0;
    end = Number.isInteger(end) ? Math.min(Math.max(end, start), rows) : start;
    at = end;
    const w = weightIndices ? weightIndices[i] : i;
    if (!(Number.isInteger(w) && w >= 0 && w < numWeights)) {
      bad++;
      continue;
    }
    if (end > start) segments.push({ start, end, weight: w });
  }
  return { segments, bad };
}

/** 'full' validation of host-readable segment data with precise E_RANGE errors. */
export function checkSegments(
  batch: number,
  rows: number,
  numWeights: number,
  indptr: readonly number[] | null,
  lens: readonly number[] | null,
  weightIndices: readonly number[] | null,
  op: string,
): void {
  if (indptr) {
    if (batch >= 0 && indptr[0] < 0)
      fail('E_RANGE', 'segIndptr[0] must be >= 0', {
        arg: `${op}.segIndptr`,
        expected: '>= 0',
        actual: indptr[0],
      });
    for (let i = 0; i < batch; i++)
      if (indptr[i + 1] < indptr[i])
        fail('E_RANGE', `segIndptr must be non-decreasing (entry ${i + 1})`, {
          arg: `${op}.segIndptr`,
          expected: `>= ${indptr[i]}`,
          actual: indptr[i + 1],
        });
    if (indptr[batch] > rows)
      fail('E_RANGE', 'segIndptr[batchSize] exceeds the rows of x', {
        arg: `${op}.segIndptr`,
        expected: `<= ${rows}`,
        actual: indptr[batch],
      });
  } else if (lens) {
    let total = 0;
    lens.forEach((l, i) => {
      if (l < 0)
        fail('E_RANGE', `segment length ${i} is negative`, {
          arg: `${op}.segLens`,
          expected: '>= 0',
          actual: l,
        });
      total += l;
    });
    if (total > rows)
      fail('E_RANGE', 'segment lengths add up to more than the rows of x', {
        arg: `${op}.segLens`,
        expected: `Σ segLens <= ${rows}`,
        actual: total,
      });
  }
  weightIndices?.forEach((w, i) => {
    if (w < 0 || w >= numWeights)
      fail('E_RANGE', `weight index of segment ${i} out of range`, {
        arg: `${op}.weightIndices`,
        expected: `[0, ${numWeights})`,
        actual: w,
      });
  });
}
