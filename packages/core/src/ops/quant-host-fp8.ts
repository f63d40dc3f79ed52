import { decodeE4m3, decodeE5m2, encodeE4m3, encodeE5m2 } from '../dtypes/floats.js';
import { ceilDiv } from './quant-layout.js';
import { FP8_MAX, fp8GroupScale } from './quant-rules.js';

/**
 * Host reference of FP8 block quantization over plain arrays (no tensors, no context). The CPU kernels and
 * `@gemmkit/quant`'s host helpers both run this; other backends must match it.
 */

export type Fp8DType = 'e4m3' | 'e5m2';

export interface Fp8BlockOptions {
  readonly dtype: Fp8DType;
  /** Round each scale up to a power of two (UE8M0). */
  readonly ue8m0: boolean;
  /** Lower clamp of a block's amax. */
  readonly eps: number;
}

export interface Fp8BlockResult {
  /** FP8 codes, row-major `[batch, rows, cols]`. */
  readonly codes: Uint8Array;
  /** Dequantization scales, row-major `[batch, ceil(rows/blockRows), ceil(cols/blockCols)]`. */
  readonly scales: Float64Array;
}

const encoder = (d: Fp8DType) => (d === 'e4m3' ? encodeE4m3 : encodeE5m2);
const decoder = (d: Fp8DType) => (d === 'e4m3' ? decodeE4m3 : decodeE5m2);

/**
 * Quantize `x` (row-major `[batch, rows, cols]`) in blocks of `blockRows x blockCols` (1x128 per-token,
 * 128x128 per-block; edge blocks are partial): per block `s = fp8GroupScale(amax, fpMax, eps, ue8m0)` and
 * `code = fp8(x / s)`.
 */
export function quantizeFp8Blocks(
  x: ArrayLike<number>,
  dims: readonly [number, number, number],
  block: readonly [number, number],
  opts: Fp8BlockOptions,
): Fp8BlockResult {
  const [batch, rows, cols] = dims;
  const [br, bc] = block;
  const gr = ceilDiv(rows, br);
  const gc = ceilDiv(cols, bc);
  const fpMax = FP8_MAX[opts.dtype];
  const enc = encoder(opts.dtype);
  const codes = new Uint8Array(batch * rows * cols);
  const scales = new Float64Array(batch * gr * gc);
  for (let b = 0; b < batch; b++) {
    const base = b * rows * cols;
    for (let i = 0; i < gr; i++) {
      const r0 = i * br;
      const r1 = Math.min(rows, r0 + br);
      for (let j = 0; j < gc; j++) {
        const c0 = j * bc;
        const c1 = Math.min(cols, c0 + bc);
        let amax = 0;
        for (let r = r0; r < r1; r++)
          for (let c = c0; c < c1; c++) {
            const a = Math.abs(x[base + r * cols + c]);
            if (a > amax) amax = a;
          }
        const s = fp8GroupScale(amax, fpMax, opts.eps, opts.ue8m0);
        scales[(b * gr + i) * gc + j] = s;
        for (let r = r0; r < r1; r++)
          for (let c = c0; c < c1; c++) codes[base + r * cols + c] = enc(x[base + r * cols + c] / s, true);
      }
    }
  }
  return { codes, scales };
}

/** Per-tensor quantization with a given dequantization scale: `code = fp8(x / scale)`, saturating. */
export function quantizeFp8WithScale(x: ArrayLike<number>, scale: number, dtype: Fp8DType): Uint8Array {
  const enc = encoder(dtype);
  const codes = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) codes[i] = enc(x[i] / scale, true);
  return codes;
}

/** Exact inverse map: `value = fp8_decode(code) · s(block)` in float64 (one product, exact in f64). */
export function dequantizeFp8Blocks(
  codes: Uint8Array,
  dtype: Fp8DType,
  scales: ArrayLike<number>,
  dims: readonly [number, number, number],
  block: readonly [number, number],
): Float64Array {
  const [batch, rows, cols] = dims;
  const [br, bc] = block;
  const gr = ceilDiv(rows, br);
  const gc = ceilDiv(cols, bc);
  const dec = decoder(dtype);
  const out = new Float64Array(batch * rows * cols);
  for (let b = 0; b < batch; b++)
    for (let r = 0; r < rows; r++) {
      const srow = (b * gr + Math.floor(r / br)) * gc;
      const base = (b * rows + r) * cols;
      for (let c = 0; c < cols; c++) out[base + c] = dec(codes[base + c]) * scales[srow + Math.floor(c / bc)];
    }
  return out;
}
