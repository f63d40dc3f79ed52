import type { DType } from './dtype.js';
import { fail } from './errors.js';
import type { Tensor } from './tensor.js';

/** Small argument checkers shared by op contracts. Each names the argument, expected and actual. */

export function checkTensor(t: unknown, arg: string): asserts t is Tensor {
  if (t === null || typeof t !== 'object' || !('shape' in t) || !('dtype' in t))
    fail('E_UNSUPPORTED', 'expected a Tensor', {
      arg,
      expected: 'Tensor',
      actual: t === null ? 'null' : typeof t,
    });
}

export function checkDtype(t: Tensor, arg: string, allowed: readonly DType[]): void {
  if (!allowed.includes(t.dtype))
    fail('E_DTYPE', 'unsupported dtype', { arg, expected: allowed, actual: t.dtype });
}

export function checkRank(t: Tensor, arg: string, rank: number | readonly number[]): void {
  const ok = typeof rank === 'number' ? t.rank === rank : rank.includes(t.rank);
  if (!ok)
    fail('E_SHAPE', 'wrong rank', {
      arg,
      expected: typeof rank === 'number' ? `rank ${rank}` : `rank in ${rank}`,
      actual: t.shape,
    });
}

/** `dims` entries that are numbers must match; `undefined` means any. */
export function checkShape(
  t: Tensor,
  arg: string,
  dims: ReadonlyArray<number | undefined>,
  names?: readonly string[],
): void {
  checkRank(t, arg, dims.length);
  dims.forEach((d, i) => {
    if (d !== undefined && t.shape[i] !== d)
      fail('E_SHAPE', `dimension ${names?.[i] ?? i} mismatch`, {
        arg,
        expected: dims.map((x) => x ?? '*'),
        actual: t.shape,
      });
  });
}

/** Innermost dimension must be contiguous (stride 1). */
export function checkInnerContiguous(t: Tensor, arg: string): void {
  if (t.rank > 0 && t.shape[t.rank - 1] > 1 && t.strides[t.rank - 1] !== 1)
    fail('E_LAYOUT', 'innermost dimension must be contiguous', {
      arg,
      expected: 'stride 1',
      actual: t.strides,
    });
}

export function checkContiguous(t: Tensor, arg: string): void {
  if (!t.isContiguous)
    fail('E_LAYOUT', 'tensor must be contiguous', { arg, expected: 'contiguous strides', actual: t.strides });
}

export function checkOneOf<T>(v: T, arg: string, allowed: readonly T[]): void {
  if (!allowed.includes(v)) fail('E_UNSUPPORTED', 'unsupported value', { arg, expected: allowed, actual: v });
}

export function checkInt(
  v: unknown,
  arg: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    fail('E_RANGE', 'integer out of range', { arg, expected: `integer in [${min}, ${max}]`, actual: v });
}
