import { fail } from '../errors.js';
import { f64HighWord, pow2 } from './bits.js';

/** How `encodeUe8m0` picks a power of two: 'up' (ceil, DeepGEMM's UE8M0 scales) or 'nearest'. */
export type Ue8m0Round = 'up' | 'nearest';

/** UE8M0: unsigned, exponent only. Byte b means 2^(b-127); 0xff is NaN; no zero, no inf. */
export const UE8M0_NAN = 0xff;

export function decodeUe8m0(code: number): number {
  code &= 0xff;
  if (code === UE8M0_NAN) return Number.NaN;
  return pow2(code - 127);
}

/**
 * Power-of-two code for a scale `x` >= 0.
 * - 'up': smallest 2^k >= x (so dividing by the scale never overflows the quantized range).
 * - 'nearest': nearest 2^k in value; an exact tie (1.5·2^k) goes up, which is round-half-even for a
 *   format with no mantissa bits (the significand 1 is odd).
 * Below 2^-127 (including 0) clamps to code 0 = 2^-127. Above 2^127 (including +inf) overflows: NaN (0xff),
 * or 254 = 2^127 with `saturate`. NaN → 0xff. Negative values throw E_RANGE (scales are unsigned).
 */
export function encodeUe8m0(x: number, round: Ue8m0Round = 'up', saturate = false): number {
  if (Number.isNaN(x)) return UE8M0_NAN;
  if (x < 0) fail('E_RANGE', 'ue8m0 scales are unsigned', { arg: 'value', expected: '>= 0', actual: x });
  if (round !== 'up' && round !== 'nearest')
    fail('E_UNSUPPORTED', 'unknown ue8m0 rounding mode', {
      arg: 'round',
      expected: ['up', 'nearest'],
      actual: round,
    });
  if (x === 0) return 0;
  if (x === Number.POSITIVE_INFINITY) return saturate ? 254 : UE8M0_NAN;
  const hi = f64HighWord(x);
  let k = ((hi >>> 20) & 0x7ff) - 1023;
  if (k < -1022) return 0; // float64 subnormal: far below 2^-127
  const frac = x / pow2(k); // in [1, 2), exact
  if (round === 'up' ? frac > 1 : frac >= 1.5) k++;
  if (k < -127) return 0;
  if (k > 127) return saturate ? 254 : UE8M0_NAN;
  return k + 127;
}
