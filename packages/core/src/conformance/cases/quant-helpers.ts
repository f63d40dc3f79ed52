import { encodeArray } from '../../codec.js';
import type { DType } from '../../dtype.js';
import type { ErrorCode } from '../../errors.js';
import type { OpArgs, OpName } from '../../ops/index.js';
import { randomTensor } from '../../random.js';
import { type Shape, Tensor } from '../../tensor.js';
import type { BadInputCase } from '../types.js';

/** Builders shared by the quantizer conformance cases. */

/**
 * Seeded normal data in `dtype` whose rows cycle through magnitudes 0.01x .. 100x, so that groups get
 * distinct scales (and small ones hit the amax clamp only when meant to).
 */
export function spreadInput(dtype: DType, shape: Shape, seed: number): Tensor {
  const v = randomTensor('f32', shape, { seed }).toFloat32Array();
  const k = shape[shape.length - 1] || 1;
  for (let i = 0; i < v.length; i++) v[i] *= 10 ** ((Math.floor(i / k) % 5) - 2);
  return Tensor.host(dtype, shape, encodeArray(dtype, v, { saturate: true }));
}

/** `[rows, cols]` view with strides `[1, rows]` (a transposed `[cols, rows]` tensor). */
export function transposedInput(dtype: DType, rows: number, cols: number, seed: number): Tensor {
  return spreadInput(dtype, [cols, rows], seed).transpose(0, 1);
}

/** A bad-input case in one line. */
export function bad<K extends OpName>(
  op: K,
  name: string,
  code: ErrorCode,
  arg: string | undefined,
  build: (seed: number) => OpArgs<K>,
): BadInputCase<K> {
  return { op, name, code, arg, build };
}
