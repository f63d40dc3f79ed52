import { checkDtype, checkInnerContiguous, checkShape, checkTensor } from '../../check.js';
import type { DType } from '../../dtype.js';
import { fail } from '../../errors.js';
import type { Granularity, ScaleMajor } from '../../scale.js';
import type { Tensor } from '../../tensor.js';

/** Argument checks shared by the dense GEMM contracts (each names the argument, expected and actual). */

export const FP8_DTYPES = ['e4m3', 'e5m2'] as const;
export type Fp8DType = (typeof FP8_DTYPES)[number];

export { ceilDiv } from '../quant-layout.js';

/** A dtype option (not a tensor): must be one of `allowed`. */
export function checkDtypeOption<T extends DType>(
  v: unknown,
  arg: string,
  allowed: readonly T[],
): asserts v is T {
  if (!allowed.includes(v as T)) fail('E_DTYPE', 'unsupported dtype', { arg, expected: allowed, actual: v });
}

/** A string option with a default. */
export function option<T extends string>(v: T | undefined, arg: string, allowed: readonly T[], dflt: T): T {
  const x = v ?? dflt;
  if (!allowed.includes(x)) fail('E_UNSUPPORTED', 'unsupported value', { arg, expected: allowed, actual: v });
  return x;
}

/** `dim` must be a multiple of `multiple` (16-byte rows for TMA / vector loads on the GPU backends). */
export function checkAlign(dim: number, multiple: number, arg: string, what: string): void {
  if (dim % multiple !== 0)
    fail('E_ALIGN', `${what} must be a multiple of ${multiple}`, {
      arg,
      expected: `multiple of ${multiple}`,
      actual: dim,
    });
}

/** `[..., K, N]` operand whose K dimension is contiguous (a transposed `[..., N, K]` row-major weight). */
export function checkKContiguous(t: Tensor, arg: string): void {
  const r = t.rank;
  const k = t.shape[r - 2];
  const n = t.shape[r - 1];
  if (k > 1 && t.strides[r - 2] !== 1)
    fail('E_LAYOUT', 'the K dimension must be contiguous (pass a transposed [N, K] row-major weight)', {
      arg,
      expected: `strides[${r - 2}] = 1`,
      actual: t.strides,
    });
  if (n > 1 && t.strides[r - 1] < k)
    fail('E_LAYOUT', 'columns overlap: the N stride must be at least K', {
      arg,
      expected: `strides[${r - 1}] >= ${k}`,
      actual: t.strides,
    });
}

/** Row-major `[rows, cols]` with unit inner stride and rows that do not overlap. */
export function checkRowMajor(t: Tensor, arg: string): void {
  checkInnerContiguous(t, arg);
  const r = t.rank;
  if (r >= 2 && t.shape[r - 2] > 1 && t.strides[r - 2] < t.shape[r - 1])
    fail('E_LAYOUT', 'rows overlap: the row stride must be at least the row length', {
      arg,
      expected: `strides[${r - 2}] >= ${t.shape[r - 1]}`,
      actual: t.strides,
    });
}

/** A one-element f32 tensor (`[1]` or `[]`): a per-tensor scale, alpha or output scale. */
export function checkScalarF32(t: unknown, arg: string): asserts t is Tensor {
  checkTensor(t, arg);
  checkDtype(t, arg, ['f32']);
  if (t.numel !== 1 || t.rank > 1)
    fail('E_SHAPE', 'expected a single-element tensor', { arg, expected: '[1] or []', actual: t.shape });
}

/**
 * A block-scale matrix `[rows, cols]` of f32 whose `major` dimension is contiguous: 'K' → row-major
 * (stride `[>= cols, 1]`), 'MN' → column-major (stride `[1, >= rows]`, e.g. TMA-aligned padding).
 */
export function checkScaleMatrix(
  t: unknown,
  arg: string,
  rows: number,
  cols: number,
  major: ScaleMajor,
  dtypes: readonly DType[] = ['f32'],
): asserts t is Tensor {
  checkTensor(t, arg);
  checkDtype(t, arg, dtypes);
  checkShape(t, arg, [rows, cols], ['rows', 'cols']);
  const [s0, s1] = t.strides;
  const ok =
    major === 'K'
      ? (cols <= 1 || s1 === 1) && (rows <= 1 || s0 >= cols)
      : (rows <= 1 || s0 === 1) && (cols <= 1 || s1 >= rows);
  if (!ok)
    fail('E_LAYOUT', `scale must be ${major}-major`, {
      arg,
      expected: major === 'K' ? `strides [>= ${cols}, 1]` : `strides [1, >= ${rows}]`,
      actual: t.strides,
    });
}

/** `[m, n, k]` granularity option: one of `allowed`, compared element-wise. */
export function checkGranularity(
  g: Granularity | undefined,
  arg: string,
  allowed: readonly Granularity[],
): Granularity {
  const x = g ?? allowed[0];
  if (!Array.isArray(x) || !allowed.some((a) => a.length === x.length && a.every((v, i) => v === x[i])))
    fail('E_UNSUPPORTED', 'unsupported scale granularity', {
      arg,
      expected: allowed.map((a) => `[${a.join(', ')}]`),
      actual: g,
    });
  return x;
}

/** Optional `out`: a tensor of exactly `shape` and `dtype`, innermost dimension contiguous. */
export function checkOut(out: unknown, arg: string, shape: readonly number[], dtype: DType): void {
  if (out === undefined) return;
  checkTensor(out, arg);
  checkDtype(out, arg, [dtype]);
  checkShape(out, arg, shape);
  checkRowMajor(out, arg);
}

/** e4m3 × e4m3, e4m3 × e5m2, e5m2 × e4m3 (two e5m2 operands have no tensor-core MMA). */
export function checkFp8Pair(a: Tensor, b: Tensor, aArg: string, bArg: string): void {
  checkDtype(a, aArg, FP8_DTYPES);
  checkDtype(b, bArg, FP8_DTYPES);
  if (a.dtype === 'e5m2' && b.dtype === 'e5m2')
    fail('E_DTYPE', 'e5m2 x e5m2 is not supported; one operand must be e4m3', {
      arg: bArg,
      expected: 'e4m3',
      actual: 'e5m2',
    });
}

/**
 * The argument object itself: a plain object whose keys are all known to the op (a misspelt option such as
 * `aScales` would otherwise be ignored silently).
 */
export function checkArgs(args: unknown, op: string, keys: readonly string[]): void {
  if (args === null || typeof args !== 'object' || Array.isArray(args))
    fail('E_UNSUPPORTED', `${op} takes one argument object`, {
      arg: op,
      expected: `{ ${keys.join(', ')} }`,
      actual: args === null ? 'null' : Array.isArray(args) ? 'array' : typeof args,
    });
  for (const k of Object.keys(args))
    if (!keys.includes(k) && (args as Record<string, unknown>)[k] !== undefined)
      fail('E_UNSUPPORTED', `unknown argument '${k}'`, { arg: `${op}.${k}`, expected: keys, actual: k });
}
