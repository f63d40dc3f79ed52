import { fail } from '../../errors.js';

/** Rows of group e a kernel computes: `masked[e]` clamped into `[0, maxM]` (bad values never read/write OOB). */
export function maskedRows(masked: ArrayLike<number>, e: number, maxM: number): number {
  const v = masked[e];
  return Number.isInteger(v) ? Math.min(Math.max(v, 0), maxM) : 0;
}

/** True when `masked[e]` had to be clamped (a backend raises its status flag). */
export function maskedBad(masked: ArrayLike<number>, e: number, maxM: number): boolean {
  const v = masked[e];
  return !Number.isInteger(v) || v < 0 || v > maxM;
}

/** 'full' validation of host-readable masked row counts: each in `[0, maxM]`. */
export function checkMaskedM(masked: readonly number[], maxM: number, arg: string): void {
  masked.forEach((v, e) => {
    if (v < 0 || v > maxM)
      fail('E_RANGE', `masked row count of group ${e} is outside [0, maxM]`, {
        arg,
        expected: `[0, ${maxM}]`,
        actual: v,
      });
  });
}
