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

/** 2^k exactly, for integer k in [-1022, 1023] (built from bits: Math.pow is not guaranteed exact). */
export function pow2(k: number): number {
  words[1 - HI] = 0;
  words[HI] = (k + 1023) << 20;
  return scratch[0];
}
