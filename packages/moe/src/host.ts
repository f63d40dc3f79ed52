import {
  checkTensor,
  type DType,
  decodeToFloat64,
  encodeArray,
  fail,
  HostStorage,
  Tensor,
} from '@gemmkit/core';

/** Small host-side helpers of @gemmkit/moe: reading host tensors and checking plain arguments. */

/** The tensor must live in host memory (index building and permutation run on the host). */
export function checkHost(t: unknown, arg: string): asserts t is Tensor {
  checkTensor(t, arg);
  if (!(t.storage instanceof HostStorage))
    fail('E_DEVICE', 'expected a host tensor; copy it with `await t.toHost()` first', {
      arg,
      expected: 'host',
      actual: t.device,
    });
}

/** Row-major values of a host tensor as float64 (floats decoded exactly, i32/i64/i8/u8 as integers). */
export function hostValues(t: Tensor): Float64Array {
  const bytes = t.hostBytes().slice();
  switch (t.dtype) {
    case 'i32':
      return Float64Array.from(new Int32Array(bytes.buffer, 0, t.numel));
    case 'i64':
      return Float64Array.from(new BigInt64Array(bytes.buffer, 0, t.numel), (v) => Number(v));
    case 'i8':
      return Float64Array.from(new Int8Array(bytes.buffer, 0, t.numel));
    case 'u8':
      return Float64Array.from(bytes);
    default:
      return decodeToFloat64(t.dtype, bytes);
  }
}

export function checkDtype(t: Tensor, arg: string, allowed: readonly DType[]): void {
  if (!allowed.includes(t.dtype))
    fail('E_DTYPE', 'unsupported dtype', { arg, expected: allowed, actual: t.dtype });
}

export function checkRank(t: Tensor, arg: string, rank: number): void {
  if (t.rank !== rank) fail('E_SHAPE', 'wrong rank', { arg, expected: `rank ${rank}`, actual: t.shape });
}

export function checkPositiveInt(v: unknown, arg: string): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    fail('E_RANGE', 'expected a positive integer', { arg, expected: 'integer >= 1', actual: v });
}

export const roundUp = (a: number, b: number): number => Math.ceil(a / b) * b;

/** An i32 host tensor over `values`. */
export function i32Tensor(values: ArrayLike<number>, shape: number[]): Tensor {
  return Tensor.host('i32', shape, new Uint8Array(Int32Array.from(values).buffer));
}

/** A host tensor of `dtype` from float64 values, rounded once (fp8 saturates). */
export function encodedTensor(dtype: DType, values: ArrayLike<number>, shape: number[]): Tensor {
  return Tensor.host(
    dtype,
    shape,
    encodeArray(dtype, values, { saturate: dtype === 'e4m3' || dtype === 'e5m2' }),
  );
}
