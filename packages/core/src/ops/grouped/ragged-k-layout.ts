import { fail } from '../../errors.js';

/** One expert's slice `[start, end)` of the shared (ragged) K dimension. */
export interface KRange {
  readonly expert: number;
  readonly start: number;
  readonly end: number;
}

/**
 * Expert e of a ragged-K GEMM reduces over `[Σ_{i<e} counts[i], Σ_{i≤e} counts[i])`. Kernel-safe reading:
 * negative or non-integer counts are treated as 0 and ranges are clamped to `[0, kTotal)`; `bad` counts the
 * entries that needed it.
 */
export function raggedKRanges(counts: ArrayLike<number>, kTotal: number): { ranges: KRange[]; bad: number } {
  const ranges: KRange[] = [];
  let bad = 0;
  let at = 0;
  for (let e = 0; e < counts.length; e++) {
    const c = counts[e];
    const ok = Number.isInteger(c) && c >= 0;
    if (!ok || at + c > kTotal) bad++;
    const end = ok ? Math.min(at + c, kTotal) : at;
    ranges.push({ expert: e, start: at, end });
    at = end;
  }
  return { ranges, bad };
}

/**
 * Kernel-side alignment check ('fast' validation / device status): how many non-negative counts are not a
 * multiple of the K scale block `gk` (E_ALIGN, like the 'full' check; the ranges are still computed).
 */
export function raggedKMisaligned(counts: ArrayLike<number>, gk: number): number {
  let n = 0;
  for (let e = 0; e < counts.length; e++) if (counts[e] > 0 && counts[e] % gk !== 0) n++;
  return n;
}

/** 'full' validation of host-readable counts: non-negative, multiples of `gk`, total ≤ kTotal. */
export function checkRaggedKCounts(counts: readonly number[], kTotal: number, gk: number, arg: string): void {
  let total = 0;
  for (let e = 0; e < counts.length; e++) {
    const c = counts[e];
    if (c < 0) fail('E_RANGE', `K count of expert ${e} is negative`, { arg, expected: '>= 0', actual: c });
    if (c % gk !== 0)
      fail('E_ALIGN', `K count of expert ${e} must be a multiple of the K scale block`, {
        arg,
        expected: `multiple of ${gk}`,
        actual: c,
      });
    total += c;
  }
  if (total > kTotal)
    fail('E_RANGE', 'the K counts add up to more than the K dimension of A and B', {
      arg,
      expected: `Σ counts <= ${kTotal}`,
      actual: total,
    });
}
