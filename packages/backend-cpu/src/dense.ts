import type { Tensor } from '@gemmkit/core';
import { readF64 } from './host.js';

/** Helpers shared by the dense CPU kernels. */

/** Values of a `[..., K, N]` K-contiguous operand as row-major `[..., N, K]` (what gemmF64 takes). */
export function readNK(b: Tensor): Float64Array {
  return readF64(b.transpose(-2, -1));
}

/**
 * Multiply row-major `[rows, cols]` values (at `off`) in place by the block scale that covers each
 * element: `scale[⌊r/br⌋, ⌊c/bc⌋]` of a row-major `[ceil(rows/br), ceil(cols/bc)]` grid. Products of an
 * FP8/FP4 value and an f32/e4m3/ue8m0 scale are exact in float64.
 */
export function applyBlockScales(
  v: Float64Array,
  off: number,
  rows: number,
  cols: number,
  scale: Float64Array,
  br: number,
  bc: number,
): void {
  const sc = Math.ceil(cols / bc);
  for (let r = 0; r < rows; r++) {
    const srow = Math.floor(r / br) * sc;
    const base = off + r * cols;
    for (let c = 0; c < cols; c++) v[base + c] *= scale[srow + Math.floor(c / bc)];
  }
}

/** `acc[i] / outputScale` for an FP8 output (outputScale dequantizes the output), else `acc`. */
export function quantizeForOutput(acc: Float64Array, outputScale: Tensor | undefined): Float64Array {
  if (!outputScale) return acc;
  const s = readF64(outputScale)[0];
  for (let i = 0; i < acc.length; i++) acc[i] /= s;
  return acc;
}
