import { swizzle128x4Offset, swizzled128x4Shape } from '../quant-layout.js';

/** Shape of an FP4 block-scale tensor for `rows` x `kBlocks` scales in `layout` (brief §8). */
export function fp4ScaleShape(
  rows: number,
  kBlocks: number,
  layout: 'swizzle128x4' | 'linear',
): [number, number] {
  if (layout === 'linear') return [rows, kBlocks];
  const s = swizzled128x4Shape(rows, kBlocks);
  return [s.rows, s.cols];
}

/** Byte index of scale (r, kb) inside a contiguous scale tensor of `shape` in `layout`. */
export function fp4ScaleIndex(
  r: number,
  kb: number,
  shape: readonly [number, number],
  layout: 'swizzle128x4' | 'linear',
): number {
  return layout === 'linear' ? r * shape[1] + kb : swizzle128x4Offset(r, kb, shape[1]);
}
