import { decodeToFloat64, randomTensor, Tensor } from '@gemmkit/core';
import { describe, expect, it } from 'vitest';
import { cpu, readF64, writeF64 } from '../src/index.js';

// readF64's strided path must equal decoding the gathered bytes; writeF64 must round once and honour strides.
describe('host helpers', () => {
  const views = (dtype: 'bf16' | 'e4m3' | 'e2m1x2' | 'f32') => {
    const t = randomTensor(dtype, [3, 5, 8], { seed: 5 });
    return [t, t.transpose(1, 2), t.permute([2, 0, 1]), t.narrow(2, 1, 5), t.narrow(1, 2, 2).transpose(0, 2)];
  };
  for (const dtype of ['bf16', 'e4m3', 'e2m1x2', 'f32'] as const)
    it(`readF64 of strided ${dtype} views`, () => {
      for (const v of views(dtype)) expect(readF64(v)).toEqual(decodeToFloat64(dtype, v.hostBytes()));
    });

  it('writeF64 rounds float64 once (no double rounding through f32) into a strided view', async () => {
    const be = await cpu().create();
    const base = be.empty('bf16', [2, 6]);
    const view = base.narrow(1, 1, 3); // [2, 3], row stride 6
    // 1 + 2^-8 + 2^-30 is above the bf16 midpoint 1 + 2^-8 by a hair: rounds up to 1 + 2^-7. Through
    // float32 first it would become the exact midpoint 1 + 2^-8 and round to even (1).
    const x = 1 + 2 ** -8 + 2 ** -30;
    writeF64(view, Float64Array.from([x, -x, 3, 0.5, -0, 2 ** -130])); // 2^-130: a bf16 subnormal, kept
    const all = decodeToFloat64('bf16', base.hostBytes());
    expect(Array.from(all.slice(1, 4))).toEqual([1 + 2 ** -7, -(1 + 2 ** -7), 3]);
    expect(Array.from(all.slice(7, 10))).toEqual([0.5, -0, 2 ** -130]);
    // Elements outside the view keep the NaN the cpu backend's empty() put there.
    expect(Number.isNaN(all[0]) && Number.isNaN(all[4]) && Number.isNaN(all[11])).toBe(true);
  });

  it('fromHost copies to a contiguous tensor; empty() poisons floats with NaN, ints with zero', async () => {
    const be = await cpu().create();
    const t = randomTensor('bf16', [4, 6], { seed: 1 }).transpose();
    const c = be.fromHost(t);
    expect(c.isContiguous).toBe(true);
    expect(c.hostBytes()).toEqual(t.hostBytes());
    expect(Array.from(be.empty('f32', [3]).toFloat32Array()).every(Number.isNaN)).toBe(true);
    expect(Array.from(be.empty('i32', [3]).hostBytes())).toEqual(new Array(12).fill(0));
    be.dispose();
    expect(() => be.empty('f32', [1])).toThrow(/E_DISPOSED/);
    expect(() => be.fromHost(Tensor.host('f32', [1]))).toThrow(/E_DISPOSED/);
  });
});
