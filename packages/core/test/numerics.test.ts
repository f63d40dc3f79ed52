import { describe, expect, test } from 'vitest';
import {
  allFinite,
  calcDiff,
  countNaN,
  countNonFinite,
  maxAbsDiff,
  Random,
  randomTensor,
  tensorFrom,
  valuesOf,
} from '../src/index.js';

describe('calcDiff', () => {
  test('is 0 for identical inputs and for two all-zero inputs', () => {
    const x = randomTensor('f32', [64], { seed: 1 }).toFloat32Array();
    expect(calcDiff(x, x)).toBeCloseTo(0, 15);
    expect(calcDiff(new Float32Array(8), new Float64Array(8))).toBe(0);
  });

  test('matches 1 − 2Σxy/Σ(x²+y²) computed independently', () => {
    const r = new Random(9);
    const x = r.fillNormal(new Float64Array(1000));
    const y = x.map((v) => v + 0.01 * r.normal());
    let num = 0;
    let den = 0;
    x.forEach((v, i) => {
      num += v * y[i];
      den += v * v + y[i] * y[i];
    });
    expect(calcDiff(x, y)).toBeCloseTo(1 - (2 * num) / den, 14);
    expect(calcDiff(x, y)).toBeGreaterThan(1e-6);
    expect(calcDiff(x, y)).toBeLessThan(1e-3);
    // Scale-free, symmetric, 2 for negation, 1 against zeros.
    expect(
      calcDiff(
        x.map((v) => v * 8),
        y.map((v) => v * 8),
      ),
    ).toBeCloseTo(calcDiff(x, y), 14);
    expect(calcDiff(y, x)).toBe(calcDiff(x, y));
    expect(
      calcDiff(
        x,
        x.map((v) => -v),
      ),
    ).toBeCloseTo(2, 14);
    expect(calcDiff(x, new Float64Array(1000))).toBe(1);
  });

  test('accepts host tensors of any dtype and plain arrays', () => {
    const a = tensorFrom('bf16', [2, 2], [1, 2, 3, 4]);
    const b = tensorFrom('f32', [2, 2], [1, 2, 3, 4]);
    expect(calcDiff(a, b)).toBe(0);
    expect(calcDiff([1, 2], [1, 2])).toBe(0);
    expect(calcDiff(a.transpose(), tensorFrom('f32', [2, 2], [1, 3, 2, 4]))).toBe(0);
    expect(Number.isNaN(calcDiff([1, Number.NaN], [1, 2]))).toBe(true);
  });
});

describe('maxAbsDiff / countNaN / allFinite', () => {
  test('values', () => {
    expect(maxAbsDiff([1, 2, 3], [1, 2.5, 2])).toBe(1);
    expect(maxAbsDiff([Number.POSITIVE_INFINITY], [Number.POSITIVE_INFINITY])).toBe(0);
    expect(maxAbsDiff([1, Number.POSITIVE_INFINITY], [1, 0])).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(maxAbsDiff([Number.NaN], [1]))).toBe(true);
    expect(countNaN(new Float32Array([Number.NaN, 1, Number.NaN]))).toBe(2);
    expect(countNaN(tensorFrom('e4m3', [3], [Number.NaN, 1, 2]))).toBe(1);
    expect(countNonFinite([Number.NaN, Number.NEGATIVE_INFINITY, 0])).toBe(2);
    expect(allFinite([1, 2])).toBe(true);
    expect(allFinite(tensorFrom('f16', [2], [1, 1e6]))).toBe(false);
    const f64 = new Float64Array([1]);
    expect(valuesOf(f64)).toBe(f64);
    expect(valuesOf([1, 2])).toBeInstanceOf(Float64Array);
  });
});
