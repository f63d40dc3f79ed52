import { fail } from '../errors.js';

export type IntDType = 'i8' | 'u8' | 'i32' | 'i64';

export const INT_RANGE: Readonly<Record<IntDType, readonly [number, number]>> = {
  i8: [-128, 127],
  u8: [0, 255],
  i32: [-2147483648, 2147483647],
  // 2^63 - 1 is not a double; the largest double below 2^63 is the real bound for numbers.
  i64: [-(2 ** 63), 2 ** 63 - 1024],
};

/** Nearest integer, ties to even (what every float → int conversion in gemmkit uses). */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
}

/**
 * Integer value of `x` for an int dtype: rounded half-to-even; out of range (and ±inf) throws E_RANGE,
 * or clamps with `saturate`; NaN always throws E_RANGE (integers have no NaN). `index` names the
 * element in errors (`values[index]`).
 */
export function encodeInt(dtype: IntDType, x: number, saturate = false, index = -1): number {
  // The argument name is only built on failure (bulk encoders pass the element index).
  const arg = () => (index >= 0 ? `values[${index}]` : 'value');
  if (typeof x !== 'number' || Number.isNaN(x))
    fail('E_RANGE', `${dtype} needs a number (integers have no NaN)`, {
      arg: arg(),
      expected: 'a number',
      actual: Number.isNaN(x) ? 'NaN' : typeof x,
    });
  const [lo, hi] = INT_RANGE[dtype];
  const r = roundHalfEven(x);
  if (r < lo || r > hi) {
    if (!saturate)
      fail('E_RANGE', `value outside the ${dtype} range`, {
        arg: arg(),
        expected: `[${lo}, ${hi}]`,
        actual: x,
      });
    return r < lo ? lo : hi;
  }
  return r === 0 ? 0 : r; // no -0 in integers
}
