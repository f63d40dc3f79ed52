import type { Tensor } from '@gemmkit/core';
import { leadStride } from './quant-launch.js';

/** A tensor of any rank as [1, rows, last] with strides (0, row stride, last stride); leading dims must collapse. */
export function flat2(x: Tensor, op: string): { rows: number; k: number; rs: number; ks: number } {
  const r = x.shape.length;
  if (r === 0) return { rows: 1, k: 1, rs: 0, ks: 1 };
  let rows = 1;
  for (let i = 0; i < r - 1; i++) rows *= x.shape[i];
  return { rows, k: x.shape[r - 1], rs: leadStride(x, op), ks: x.strides[r - 1] };
}
