/**
 * Exact float64 bit access without per-call allocation (one shared scratch word).
 * gemmkit assumes a little-endian host, as every JS engine in practice is; `assertLittleEndian`
 * makes that explicit where typed-array views reinterpret file bytes.
 */
import { fail } from '../errors.js';

const scratch = new Float64Array(1);
const words = new Uint32Array(scratch.buffer);
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const HI = LITTLE_ENDIAN ? 1 : 0;

/** Throws E_UNSUPPORTED on a big-endian host (`littleEndian` is injectable so the guard itself is testable). */
export function assertLittleEndian(littleEndian = LITTLE_ENDIAN): void {
  if (!littleEndian)
    fail('E_UNSUPPORTED', 'gemmkit codecs need a little-endian host', {
      arg: 'host',
      expected: 'little-endian',
      actual: 'big-endian',
    });
}

/** High 32 bits of the float64 encoding of `x` (sign, 11-bit exponent, top 20 mantissa bits). */
export function f64HighWord(x: number): number {
  scratch[0] = x;
  return words[HI];
}

let pow2Table: Float64Array | null = null;

/**
 * 2^k exactly, for integer k in [-1074, 1023], from a table built on first use (Math.pow is not
 * guaranteed exact, and a table load is faster than composing the bits).
 */
export function pow2(k: number): number {
  if (pow2Table === null) {
    const t = new Float64Array(2098);
    t[1074] = 1;
    for (let i = 1075; i < 2098; i++) t[i] = t[i - 1] * 2;
    for (let i = 1073; i >= 0; i--) t[i] = t[i + 1] / 2;
    pow2Table = t;
  }
  return pow2Table[k + 1074];
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 bits of `x` if `x` is exactly a float32 (±0 and ±inf included), else -1 (also for NaN). */
export function exactF32Bits(x: number): number {
  f32[0] = x;
  return f32[0] === x ? u32[0] : -1;
}
