import type { DType } from '../../dtype.js';
import { type RandomTensorOptions, randomTensor } from '../../random.js';
import { Tensor } from '../../tensor.js';

/** Helpers for building case arguments: every tensor gets its own derived seed. */

/** Random host tensor; `salt` separates the operands of one case. */
export function rnd(
  dtype: DType,
  shape: readonly number[],
  seed: number,
  salt: number,
  opts: RandomTensorOptions = {},
): Tensor {
  return randomTensor(dtype, shape, { ...opts, seed: seed * 131 + salt });
}

/**
 * `[..., K, N]` operand with K contiguous: drawn as a row-major `[..., N, K]` weight and transposed
 * (the layout of `b` in bmmFp8, mmFp8, tgvGemm, mmFp4).
 */
export function kMajor(
  dtype: DType,
  shape: readonly number[],
  seed: number,
  salt: number,
  opts: RandomTensorOptions = {},
): Tensor {
  const r = shape.length;
  const nk = [...shape.slice(0, r - 2), shape[r - 1], shape[r - 2]];
  return rnd(dtype, nk, seed, salt, opts).transpose(-2, -1);
}

/** Placeholder `out` (the harness replaces it with a NaN-poisoned view of the same shape and strides). */
export function outOf(dtype: DType, shape: readonly number[]): Tensor {
  return Tensor.host(dtype, shape);
}

/** Positive scales in [lo, hi) as an f32 tensor (scales are never zero or negative in practice). */
export function scales(shape: readonly number[], seed: number, salt: number, lo = 0.25, hi = 2): Tensor {
  return rnd('f32', shape, seed, salt, { dist: 'uniform', low: lo, high: hi });
}

/** An f32 tensor holding one value. */
export function scalarF32(v: number): Tensor {
  return Tensor.host('f32', [1], new Uint8Array(new Float32Array([v]).buffer));
}
