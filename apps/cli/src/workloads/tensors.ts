import { type DType, randomTensor, Tensor } from '@gemmkit/core';

/** Argument builders shared by workloads. Each operand gets its own seed (`seed·131 + salt`). */

export function rnd(dtype: DType, shape: readonly number[], seed: number, salt: number): Tensor {
  return randomTensor(dtype, shape, { seed: seed * 131 + salt });
}

/** `[..., K, N]` with K contiguous: a row-major `[..., N, K]` weight, transposed (how weights are stored). */
export function kMajor(dtype: DType, shape: readonly number[], seed: number, salt: number): Tensor {
  const r = shape.length;
  return rnd(dtype, [...shape.slice(0, r - 2), shape[r - 1], shape[r - 2]], seed, salt).transpose(-2, -1);
}

/** Positive f32 scales in [0.25, 2). */
export function posScales(
  shape: readonly number[],
  seed: number,
  salt: number,
  dtype: DType = 'f32',
): Tensor {
  return randomTensor(dtype, shape, { seed: seed * 131 + salt, dist: 'uniform', low: 0.25, high: 2 });
}

/** `[rows, cols]` scales stored MN-major: contiguous along rows (a transposed `[cols, rows]` tensor). */
export function mnMajorScales(rows: number, cols: number, seed: number, salt: number): Tensor {
  return posScales([cols, rows], seed, salt).transpose(0, 1);
}

/** An f32 `[1]` tensor holding `v`. */
export function scalar(v: number): Tensor {
  return Tensor.host('f32', [1], new Uint8Array(new Float32Array([v]).buffer));
}

export const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);
export const roundUp = (a: number, b: number): number => Math.ceil(a / b) * b;
