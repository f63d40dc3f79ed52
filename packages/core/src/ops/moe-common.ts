import { checkContiguous, checkDtype, checkShape, checkTensor } from '../check.js';
import type { DType } from '../dtype.js';
import { fail } from '../errors.js';
import type { Tensor } from '../tensor.js';

/** Argument checks shared by the device MoE contracts (moeTopk, moeAlignLayout, moePermute, ...). */

/** A contiguous tensor of one of `dtypes` with shape `dims` (`undefined` = any). */
export function moeOperand(
  t: unknown,
  arg: string,
  dtypes: readonly DType[],
  dims: ReadonlyArray<number | undefined>,
  names?: readonly string[],
): asserts t is Tensor {
  checkTensor(t, arg);
  checkShape(t, arg, dims, names);
  checkDtype(t, arg, dtypes);
  checkContiguous(t, arg);
}

/** A caller-provided output, when present: exact dtype and shape, contiguous. */
export function moeOut(t: unknown, arg: string, dtype: DType, shape: readonly number[]): void {
  if (t === undefined) return;
  checkTensor(t, arg);
  if (t.dtype !== dtype) fail('E_DTYPE', 'output dtype mismatch', { arg, expected: dtype, actual: t.dtype });
  if (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i]))
    fail('E_SHAPE', 'output shape mismatch', { arg, expected: shape, actual: t.shape });
  checkContiguous(t, arg);
}

/** A positive integer option (or its default when absent), at most `max`. */
export function moeIntOption(v: unknown, arg: string, dflt: number | undefined, max = 2 ** 31 - 1): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max)
    fail('E_RANGE', 'expected a positive integer', { arg, expected: `integer in [1, ${max}]`, actual: v });
  return v;
}

/**
 * Rows of the expert-grouped tensor that `moeAlignLayout` allocates for `slots` (token, slot) pairs over
 * `experts` experts at `alignment`: Σ_e roundup(count_e, A) can never exceed this, because at most
 * min(E, slots) groups are non-empty and each adds fewer than A padding rows. Always a multiple of A.
 */
export function moeMaxRows(slots: number, experts: number, alignment: number): number {
  const bound = slots + Math.min(experts, slots) * (alignment - 1);
  return Math.floor(bound / alignment) * alignment;
}

/** Float input dtypes of the MoE activation ops. */
export const MOE_FLOAT_DTYPES: readonly DType[] = ['f32', 'f16', 'bf16'];
