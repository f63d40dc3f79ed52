import { fail } from '../errors.js';
import { exactF32Bits, f64HighWord, pow2 } from './bits.js';

/**
 * A small binary floating-point format: sign bit, `expBits` exponent, `manBits` mantissa, subnormals.
 * `special` says how the top exponent is used:
 *  - 'ieee': all-ones exponent holds ±inf (mantissa 0) and NaN (f16, bf16, e5m2, f32);
 *  - 'fn':   only the all-ones code (S.1111.111) is NaN, no infinities (OCP e4m3 "fn");
 *  - 'none': every code is finite, no NaN, no inf (e2m1).
 */
export interface MiniFloat {
  readonly name: string;
  readonly expBits: number;
  readonly manBits: number;
  readonly bias: number;
  readonly special: 'ieee' | 'fn' | 'none';
  /** Derived: smallest normal exponent (unbiased). */
  readonly emin: number;
  /** Derived: largest finite exponent (unbiased). */
  readonly emax: number;
  /** Derived: 2^manBits, the implicit leading one as a mantissa integer. */
  readonly manScale: number;
  /** Derived: largest mantissa field allowed at emax. */
  readonly maxManAtEmax: number;
  readonly signBit: number;
  /** Code of +max finite. */
  readonly maxCode: number;
  /** Code of +inf, or -1 when the format has none. */
  readonly infCode: number;
  /** Canonical (positive, quiet) NaN code, or -1 when the format has none. */
  readonly nanCode: number;
  /** Largest finite value. */
  readonly max: number;
  /** Derived: (127 - bias) << manBits, turns float32 exponent+mantissa bits into this format's. */
  readonly rebias: number;
}

export function defineMiniFloat(
  name: string,
  expBits: number,
  manBits: number,
  bias: number,
  special: MiniFloat['special'],
): MiniFloat {
  const expMask = (1 << expBits) - 1;
  const manMask = (1 << manBits) - 1;
  const topExp = special === 'ieee' ? expMask - 1 : expMask;
  const maxMan = special === 'fn' ? manMask - 1 : manMask;
  const maxCode = (topExp << manBits) | maxMan;
  const f = {
    name,
    expBits,
    manBits,
    bias,
    special,
    emin: 1 - bias,
    emax: topExp - bias,
    manScale: 1 << manBits,
    maxManAtEmax: maxMan,
    signBit: 1 << (expBits + manBits),
    maxCode,
    infCode: special === 'ieee' ? expMask << manBits : -1,
    // Quiet NaN: top mantissa bit set (ieee); the all-ones code (fn).
    nanCode:
      special === 'ieee'
        ? (expMask << manBits) | (1 << (manBits - 1))
        : special === 'fn'
          ? (expMask << manBits) | manMask
          : -1,
    max: 0,
    rebias: (127 - bias) * (1 << manBits),
  };
  f.max = ((f.manScale + maxMan) / f.manScale) * 2 ** (topExp - bias);
  return Object.freeze(f);
}

/** Value of `code` (an unsigned integer of 1 + expBits + manBits bits). Exact. */
export function decodeMiniFloat(f: MiniFloat, code: number): number {
  const expMask = (1 << f.expBits) - 1;
  const manMask = f.manScale - 1;
  const e = (code >>> f.manBits) & expMask;
  const m = code & manMask;
  const neg = (code & f.signBit) !== 0;
  if (e === expMask) {
    if (f.special === 'ieee') return m === 0 ? (neg ? -Infinity : Infinity) : Number.NaN;
    if (f.special === 'fn' && m === manMask) return Number.NaN;
  }
  const v = e === 0 ? m * pow2(f.emin - f.manBits) : (f.manScale + m) * pow2(e - f.bias - f.manBits);
  return neg ? -v : v;
}

/**
 * Nearest code to `x` (a float64), ties to even, subnormals included — one rounding, straight from
 * float64 (going through float32 first would round twice).
 *
 * Overflow follows IEEE 754: the value is first rounded as if the exponent were unbounded, and it
 * overflows when that rounded value is above `max`. So for e4m3 (max 448, next step 480) 464 is an
 * exact tie and goes to the even neighbour 448, while anything above 464 overflows. On overflow:
 * `saturate` → ±max; otherwise 'ieee' formats → ±inf, 'fn' (e4m3) → NaN, 'none' (e2m1) → ±max always.
 * ±inf inputs overflow the same way (so saturate maps ±inf to ±max). NaN → the canonical NaN code;
 * formats without NaN (e2m1) throw E_RANGE.
 */
export function encodeMiniFloat(f: MiniFloat, x: number, saturate = false): number {
  const bits = exactF32Bits(x);
  return bits >= 0 ? encodeFromF32Bits(f, bits, saturate) : encodeFromF64(f, x, saturate);
}

/**
 * encodeMiniFloat for a value given by its float32 bit pattern `u` (bulk encoders reinterpret a
 * Float32Array's buffer instead of converting each element).
 */
export function encodeMiniFloatFromF32Bits(f: MiniFloat, u: number, saturate = false): number {
  if ((u & 0x7fffffff) > 0x7f800000) return encodeFromF64(f, Number.NaN, saturate);
  return encodeFromF32Bits(f, u, saturate);
}

/**
 * Fast path for values that are exactly float32 (most inputs come from Float32Arrays): integer-only
 * rounding of the float32 bit pattern, same rules as encodeFromF64.
 */
function encodeFromF32Bits(f: MiniFloat, u: number, saturate: boolean): number {
  const sign = u >>> 31 === 1 ? f.signBit : 0;
  const a = u & 0x7fffffff;
  if (a === 0) return sign;
  if (a >= 0x7f800000) return sign | overflowCode(f, saturate); // ±inf (NaN never reaches here)
  const e = (a >>> 23) - 127; // -127 for float32 subnormals
  if (e >= f.emin) {
    // Normal in the target: drop 23 - manBits mantissa bits, ties to even, then re-bias the exponent.
    const shift = 23 - f.manBits;
    let q = a >>> shift;
    if (shift > 0) {
      const rem = a & ((1 << shift) - 1);
      const half = 1 << (shift - 1);
      if (rem > half || (rem === half && (q & 1) === 1)) q++;
    }
    const code = q - f.rebias;
    return code > f.maxCode ? sign | overflowCode(f, saturate) : sign | code;
  }
  // Subnormal (or zero) in the target: the code is the value in units of 2^(emin - manBits).
  const mant = e === -127 ? a : (a & 0x7fffff) | 0x800000;
  const shift = 23 + f.emin - f.manBits - (e === -127 ? -126 : e);
  if (shift >= 25) return sign; // below half the smallest subnormal
  if (shift === 0) return sign | mant; // only f32 itself: its subnormals are exact
  let q = mant >>> shift;
  const rem = mant & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (rem > half || (rem === half && (q & 1) === 1)) q++;
  return sign | q; // q === manScale is the smallest normal's code, as it should be
}

function encodeFromF64(f: MiniFloat, x: number, saturate: boolean): number {
  if (Number.isNaN(x)) {
    if (f.nanCode < 0)
      fail('E_RANGE', `${f.name} has no NaN`, { arg: 'value', expected: 'a number', actual: 'NaN' });
    return f.nanCode;
  }
  const hi = f64HighWord(x);
  const sign = hi >>> 31 === 1 ? f.signBit : 0;
  const a = x < 0 ? -x : x;
  if (a === 0) return sign;
  const exp = ((hi >>> 20) & 0x7ff) - 1023;
  if (a === Number.POSITIVE_INFINITY || exp > f.emax + 1) return sign | overflowCode(f, saturate);
  let e = Math.max(exp, f.emin);
  // r = a / 2^(e - manBits): exact, since it only changes the exponent.
  const r = a * pow2(f.manBits - e);
  let m = Math.floor(r);
  const d = r - m;
  if (d > 0.5 || (d === 0.5 && (m & 1) === 1)) m++;
  if (m === 0) return sign;
  if (m === 2 * f.manScale) {
    m = f.manScale;
    e++;
  }
  if (m < f.manScale) return sign | m; // subnormal (e === emin)
  if (e > f.emax || (e === f.emax && m - f.manScale > f.maxManAtEmax))
    return sign | overflowCode(f, saturate);
  return sign | ((e + f.bias) << f.manBits) | (m - f.manScale);
}

function overflowCode(f: MiniFloat, saturate: boolean): number {
  if (saturate || f.special === 'none') return f.maxCode;
  return f.special === 'ieee' ? f.infCode : f.nanCode;
}
