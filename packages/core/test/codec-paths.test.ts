/** The bulk encoders read Float32Array inputs as bit patterns; every other input goes value by value. Same results. */
import { expect, test } from 'vitest';
import { type DType, encodeArray, type GemmkitError, Random } from '../src/index.js';

const rng = new Random(77);
const f32 = new Float32Array(30000);
for (let i = 0; i < f32.length; i++) f32[i] = (rng.uniform() * 2 - 1) * 2 ** rng.int(-150, 130);
f32.set(
  [Number.NaN, -Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 464, 61440, 65520],
  0,
);
const plain = Array.from(f32);

test.each<DType>(['e4m3', 'e5m2', 'f16', 'bf16'])(
  '%s: Float32Array bits path equals the per-value path',
  (dtype) => {
    for (const saturate of [false, true])
      expect([...encodeArray(dtype, f32, { saturate })]).toEqual([
        ...encodeArray(dtype, plain, { saturate }),
      ]);
  },
);

test('e2m1x2: both paths agree and name the NaN element', () => {
  const finite = f32.subarray(10);
  expect([...encodeArray('e2m1x2', finite)]).toEqual([...encodeArray('e2m1x2', Array.from(finite))]);
  const withNaN = new Float32Array([1, 2, 3, Number.NaN]);
  try {
    encodeArray('e2m1x2', withNaN);
    expect.unreachable();
  } catch (e) {
    expect((e as GemmkitError).arg).toBe('values[3]');
  }
});

test('Float32Array subviews (non-zero byteOffset) are read at the right place', () => {
  const big = new Float32Array([100, 1, 2, 3, 4]);
  expect([...encodeArray('e4m3', big.subarray(1))]).toEqual([...encodeArray('e4m3', [1, 2, 3, 4])]);
});
