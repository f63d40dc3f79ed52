import { decodeE2m1, decodeE4m3, encodeE2m1, encodeE4m3 } from '../dtypes/floats.js';
import { decodeUe8m0 } from '../dtypes/ue8m0.js';
import { E2M1_MAX, mxfp4Exponent } from './quant-rules.js';

/**
 * Host reference of FP4 quantization (NVFP4 and MXFP4) over plain arrays. Rows are independent; `cols`
 * must be a multiple of the block (16 or 32). Packing: byte j of a row holds element 2j in the low nibble
 * and element 2j+1 in the high nibble.
 */

export interface Fp4Result {
  /** Packed e2m1 pairs, row-major `[rows, cols/2]`. */
  readonly packed: Uint8Array;
  /** Block scale codes (e4m3 for NVFP4, ue8m0 for MXFP4), linear row-major `[rows, cols/block]`. */
  readonly scaleCodes: Uint8Array;
}

export const NVFP4_BLOCK = 16;
export const MXFP4_BLOCK = 32;

function blockAmax(x: ArrayLike<number>, start: number, len: number): number {
  let amax = 0;
  for (let i = 0; i < len; i++) {
    const a = Math.abs(x[start + i]);
    if (a > amax) amax = a;
  }
  return amax;
}

function pack(codes: Uint8Array): Uint8Array {
  const out = new Uint8Array(codes.length >> 1);
  for (let j = 0; j < out.length; j++) out[j] = (codes[2 * j] & 0xf) | ((codes[2 * j + 1] & 0xf) << 4);
  return out;
}

/**
 * NVFP4 with encode-side global scale `g` (FlashInfer's `global_sf`, default 448·6/amax):
 * per 16-block `sf = e4m3_sat(g · amax / 6)` (RNE), `code = e2m1_sat(x · g / sf)` (RNE; 0 when sf = 0),
 * so `x ≈ e2m1 · sf / g`.
 */
export function quantizeNvfp4(
  x: ArrayLike<number>,
  rows: number,
  cols: number,
  globalScale: number,
): Fp4Result {
  const nb = cols / NVFP4_BLOCK;
  const codes = new Uint8Array(rows * cols);
  const scaleCodes = new Uint8Array(rows * nb);
  for (let r = 0; r < rows; r++)
    for (let b = 0; b < nb; b++) {
      const start = r * cols + b * NVFP4_BLOCK;
      const sfCode = encodeE4m3((globalScale * blockAmax(x, start, NVFP4_BLOCK)) / E2M1_MAX, true);
      scaleCodes[r * nb + b] = sfCode;
      const sf = decodeE4m3(sfCode);
      for (let i = 0; i < NVFP4_BLOCK; i++)
        codes[start + i] = sf === 0 ? 0 : encodeE2m1((x[start + i] * globalScale) / sf);
    }
  return { packed: pack(codes), scaleCodes };
}

/** MXFP4: per 32-block exponent `e = mxfp4Exponent(amax, rounding)`, byte `e+127`, `code = e2m1_sat(x / 2^e)`. */
export function quantizeMxfp4(
  x: ArrayLike<number>,
  rows: number,
  cols: number,
  rounding: 'up' | 'ocp',
): Fp4Result {
  const nb = cols / MXFP4_BLOCK;
  const codes = new Uint8Array(rows * cols);
  const scaleCodes = new Uint8Array(rows * nb);
  for (let r = 0; r < rows; r++)
    for (let b = 0; b < nb; b++) {
      const start = r * cols + b * MXFP4_BLOCK;
      const e = mxfp4Exponent(blockAmax(x, start, MXFP4_BLOCK), rounding);
      scaleCodes[r * nb + b] = e + 127;
      const inv = 2 ** -e;
      for (let i = 0; i < MXFP4_BLOCK; i++) codes[start + i] = encodeE2m1(x[start + i] * inv);
    }
  return { packed: pack(codes), scaleCodes };
}

/**
 * Exact dequantization: `value = e2m1(code) · scale(block) / globalScale` in float64. `scaleEncoding` says
 * how `scaleCodes` (linear `[rows, cols/block]`) decode; the block is 16 for e4m3 and 32 for ue8m0.
 */
export function dequantizeFp4(
  packed: Uint8Array,
  scaleCodes: Uint8Array,
  scaleEncoding: 'e4m3' | 'ue8m0',
  rows: number,
  cols: number,
  globalScale = 1,
): Float64Array {
  const block = scaleEncoding === 'e4m3' ? NVFP4_BLOCK : MXFP4_BLOCK;
  const nb = cols / block;
  const decScale = scaleEncoding === 'e4m3' ? decodeE4m3 : decodeUe8m0;
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const byte = packed[(r * cols + c) >> 1];
      const nib = c & 1 ? byte >> 4 : byte & 0xf;
      out[r * cols + c] =
        (decodeE2m1(nib) * decScale(scaleCodes[r * nb + Math.floor(c / block)])) / globalScale;
    }
  return out;
}
