import type { DType } from '../../dtype.js';
import type { ErrorCode } from '../../errors.js';
import type { OpArgs, OpName } from '../../ops/index.js';
import { type RandomTensorOptions, randomTensor } from '../../random.js';
import { Tensor } from '../../tensor.js';
import type { BadInputCase } from '../types.js';

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

/** Bad-input case maker for one op: each case mutates a valid call (`good`) in one way. */
export function badInputsFor<K extends OpName>(op: K, good: (seed: number) => OpArgs<K>) {
  return (
    name: string,
    code: ErrorCode,
    arg: string,
    mutate: (args: OpArgs<K>, seed: number) => OpArgs<K>,
  ): BadInputCase<K> => ({ op, name, code, arg, build: (seed) => mutate(good(seed), seed) });
}

/** Row-major `[rows, cols]` f32 scales stored MN-major (column stride padded to `padTo`), as a view. */
export function mnMajorScales(rows: number, cols: number, seed: number, salt: number, padTo = 1): Tensor {
  const rp = Math.ceil(rows / padTo) * padTo;
  return scales([cols, rp], seed, salt).narrow(1, 0, rows).transpose(0, 1);
}

/** `[rows, cols]` output placeholder whose rows are `pad` elements longer than needed (strided out). */
export function paddedOut(dtype: DType, rows: number, cols: number, pad: number): Tensor {
  return Tensor.host(dtype, [rows, cols + pad]).narrow(1, 0, cols);
}
