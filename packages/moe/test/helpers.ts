import { isGemmkitError, Tensor } from '@gemmkit/core';
import { expect } from 'vitest';

export const i32 = (v: number[], shape: number[]) =>
  Tensor.host('i32', shape, new Uint8Array(Int32Array.from(v).buffer));
export const f32 = (v: ArrayLike<number>, shape: number[]) =>
  Tensor.host('f32', shape, new Uint8Array(Float32Array.from(v).buffer));
export const ints = (t: Tensor) => [...new Int32Array(t.hostBytes().slice().buffer)];
export const floats = (t: Tensor) => [...t.toFloat32Array()];

export function expectError(fn: () => unknown, code: string, arg: string): void {
  try {
    fn();
  } catch (e) {
    expect(isGemmkitError(e)).toBe(true);
    expect(`${(e as any).code} ${(e as any).arg}`).toBe(`${code} ${arg}`);
    return;
  }
  expect.unreachable('expected a GemmkitError');
}
