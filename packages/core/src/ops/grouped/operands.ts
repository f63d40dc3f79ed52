import { checkDtype, checkShape, checkTensor } from '../../check.js';
import type { DType } from '../../dtype.js';
import { fail } from '../../errors.js';
import type { Granularity } from '../../scale.js';
import type { Tensor } from '../../tensor.js';

/** Operand checks shared by the grouped MoE and indexer contracts. Every failure names `op.arg`. */

export const FP8_DTYPES: readonly DType[] = ['e4m3', 'e5m2'];
export const HALF_DTYPES = ['bf16', 'f16'] as const;
export type HalfDtype = (typeof HALF_DTYPES)[number];

/** A tensor of the given dtypes and shape (`undefined` dims are free). */
export function checkOperand(
  t: unknown,
  arg: string,
  dtypes: readonly DType[],
  dims: ReadonlyArray<number | undefined>,
  names?: readonly string[],
): asserts t is Tensor {
  checkTensor(t, arg);
  checkShape(t, arg, dims, names);
  checkDtype(t, arg, dtypes);
}

/** Dimension `dim` must be the contiguous one (stride 1) unless it has a single entry. */
export function checkMajorDim(t: Tensor, arg: string, dim: number, label: string): void {
  if (t.shape[dim] > 1 && t.strides[dim] !== 1)
    fail('E_LAYOUT', `${label} must be the contiguous (stride-1) dimension`, {
      arg,
      expected: `stride 1 on dimension ${dim} (${label})`,
      actual: t.strides,
    });
}

/** Output tensors are written row by row: their innermost dimension must be contiguous. */
export function checkOutInner(t: Tensor, arg: string): void {
  const r = t.rank;
  if (r > 0 && t.shape[r - 1] > 1 && t.strides[r - 1] !== 1)
    fail('E_LAYOUT', 'innermost dimension of the output must be contiguous', {
      arg,
      expected: 'stride 1',
      actual: t.strides,
    });
}

/**
 * `[m, n, k]` scale granularity: each entry must be one of the supported values for that dimension.
 * `undefined` gives `fallback`.
 */
export function resolveGranularity(
  g: unknown,
  arg: string,
  fallback: Granularity,
  allowed: readonly [readonly number[], readonly number[], readonly number[]],
): Granularity {
  if (g === undefined) return fallback;
  if (!Array.isArray(g) || g.length !== 3 || !g.every((x) => Number.isInteger(x)))
    fail('E_UNSUPPORTED', 'scale granularity must be three integers [m, n, k]', {
      arg,
      expected: '[m, n, k]',
      actual: g,
    });
  for (let i = 0; i < 3; i++)
    if (!allowed[i].includes(g[i]))
      fail('E_UNSUPPORTED', `unsupported scale granularity along ${'mnk'[i]}`, {
        arg,
        expected: `[${allowed.map((a) => a.join('|')).join(', ')}]`,
        actual: g,
      });
  return [g[0], g[1], g[2]];
}

/** The output dtype from `out` or `outDtype` (they must agree when both are given). */
export function resolveHalfOut(
  out: Tensor | undefined,
  outDtype: unknown,
  arg: string,
  fallback: HalfDtype = 'bf16',
): HalfDtype {
  if (outDtype !== undefined && !HALF_DTYPES.includes(outDtype as HalfDtype))
    fail('E_DTYPE', 'unsupported output dtype', {
      arg: `${arg}Dtype`,
      expected: HALF_DTYPES,
      actual: outDtype,
    });
  if (out) {
    checkTensor(out, arg);
    checkDtype(out, arg, outDtype !== undefined ? [outDtype as DType] : HALF_DTYPES);
    return out.dtype as HalfDtype;
  }
  return (outDtype as HalfDtype | undefined) ?? fallback;
}

/** Optional enumerated option: `undefined` gives the default. */
export function option<T>(v: T | undefined, arg: string, allowed: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (!allowed.includes(v)) fail('E_UNSUPPORTED', 'unsupported value', { arg, expected: allowed, actual: v });
  return v;
}

/** Non-negative integer hint (ignored by backends that do not need it). */
export function checkHint(v: unknown, arg: string, min = 0): void {
  if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < min))
    fail('E_RANGE', 'hint must be an integer', { arg, expected: `integer >= ${min}`, actual: v });
}

/** Fp8 GEMMs read K in 16-byte rows: K must be a multiple of 16. */
export function checkKAlign(k: number, arg: string, mult = 16): void {
  if (k % mult !== 0)
    fail('E_ALIGN', `K must be a multiple of ${mult}`, { arg, expected: `K % ${mult} == 0`, actual: k });
}
