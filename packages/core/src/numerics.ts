/**
 * Accuracy metrics for tests and benchmarks (brief §5). All sums are float64.
 * Inputs may be Float32Array, Float64Array, plain number arrays or host Tensors (decoded exactly).
 */
import { decodeToFloat64 } from './codec.js';
import { fail } from './errors.js';
import { Tensor } from './tensor.js';

export type NumericInput = Float32Array | Float64Array | readonly number[] | Tensor;

/**
 * Values of `x` as float64: a Float64Array is returned as is, other arrays are converted, host tensors are
 * decoded exactly (device tensors throw E_DEVICE: `await t.toHost()` first; disposed ones E_DISPOSED).
 */
export function valuesOf(x: NumericInput, arg = 'x'): Float64Array {
  if (x instanceof Float64Array) return x;
  if (x instanceof Float32Array || Array.isArray(x)) return Float64Array.from(x as ArrayLike<number>);
  if (x instanceof Tensor) return decodeToFloat64(x.dtype, x.hostBytes());
  return fail('E_UNSUPPORTED', 'expected Float32Array, Float64Array, number[] or a host Tensor', {
    arg,
    expected: 'Float32Array | Float64Array | number[] | Tensor',
    actual: x === null ? 'null' : ((x as object)?.constructor?.name ?? typeof x),
  });
}

function pair(x: NumericInput, y: NumericInput): [Float64Array, Float64Array] {
  const a = valuesOf(x, 'x');
  const b = valuesOf(y, 'y');
  if (a.length !== b.length)
    fail('E_SHAPE', 'inputs must have the same number of values', {
      arg: 'y',
      expected: a.length,
      actual: b.length,
    });
  if (x instanceof Tensor && y instanceof Tensor && x.shape.join() !== y.shape.join())
    fail('E_SHAPE', 'tensors must have the same shape', { arg: 'y', expected: x.shape, actual: y.shape });
  return [a, b];
}

/**
 * DeepGEMM's similarity metric: 1 − 2·Σxy / Σ(x²+y²), in float64. 0 means identical; it is scale-free
 * and insensitive to a few outliers. Returns 0 when both inputs are all zero (nothing differs), and NaN
 * when any value is NaN or infinite (check those with countNaN/allFinite first).
 */
export function calcDiff(x: NumericInput, y: NumericInput): number {
  const [a, b] = pair(x, y);
  let xy = 0;
  let sq = 0;
  for (let i = 0; i < a.length; i++) {
    const p = a[i];
    const q = b[i];
    xy += p * q;
    sq += p * p + q * q;
  }
  if (sq === 0 && xy === 0) return 0;
  return 1 - (2 * xy) / sq;
}

/** max |x − y| (NaN if any pair involves NaN; inf vs the same inf counts as 0). */
export function maxAbsDiff(x: NumericInput, y: NumericInput): number {
  const [a, b] = pair(x, y);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const p = a[i];
    const q = b[i];
    if (Number.isNaN(p) || Number.isNaN(q)) return Number.NaN;
    const d = p === q ? 0 : Math.abs(p - q);
    if (d > m) m = d;
  }
  return m;
}

/** Number of NaN values. */
export function countNaN(x: NumericInput): number {
  const a = valuesOf(x);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (Number.isNaN(a[i])) n++;
  return n;
}

/** Number of non-finite (NaN or ±inf) values. */
export function countNonFinite(x: NumericInput): number {
  const a = valuesOf(x);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) n++;
  return n;
}

/** True when every value is finite. */
export function allFinite(x: NumericInput): boolean {
  return countNonFinite(x) === 0;
}
