import { createContext, nanTensor, randomTensor, tensorFrom } from '@gemmkit/core';
import { describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';
import { expectSaneCosts } from './grouped/costs.js';
import { at, compare } from './grouped/naive.js';

const gk = await createContext({ backends: [cpu()] });
const fast = await createContext({ backends: [cpu()], validate: 'fast' });

describe('batchDeepgemmFp8NtGroupwise agrees with the naive formula', () => {
  for (const outDtype of ['bf16', 'f16'] as const)
    it(`masked rows untouched, ${outDtype} output`, () => {
      const [b, m, n, k] = [3, 9, 136, 384];
      const masked = [9, 0, 4];
      const args = {
        a: randomTensor('e4m3', [b, m, k], { seed: 1 }),
        b: randomTensor('e4m3', [b, n, k], { seed: 2 }),
        aScale: randomTensor('f32', [b, m, 3], { seed: 3, dist: 'uniform', low: 0.25, high: 2 }),
        bScale: randomTensor('f32', [b, 2, 3], { seed: 4, dist: 'uniform', low: 0.25, high: 2 }),
        maskedM: tensorFrom('i32', [b], masked),
        expectedM: 5,
        out: nanTensor(outDtype, [b, m, n]),
      };
      gk.ops.batchDeepgemmFp8NtGroupwise(args);
      const want = ([g, r, c]: number[]) => {
        if (r >= masked[g]) return null;
        let s = 0;
        for (let kk = 0; kk < k; kk++)
          s +=
            at(args.a, g, r, kk) *
            at(args.aScale, g, r, Math.floor(kk / 128)) *
            at(args.b, g, c, kk) *
            at(args.bScale, g, Math.floor(c / 128), Math.floor(kk / 128));
        return s;
      };
      expect(compare(args.out, want)).toEqual([]);
    });

  it('allocates a bf16 output by default', () => {
    const out = gk.ops.batchDeepgemmFp8NtGroupwise({
      a: randomTensor('e4m3', [1, 2, 128], { seed: 1 }),
      b: randomTensor('e4m3', [1, 8, 128], { seed: 2 }),
      aScale: randomTensor('f32', [1, 2, 1], { seed: 3 }),
      bScale: randomTensor('f32', [1, 1, 1], { seed: 4 }),
      maskedM: tensorFrom('i32', [1], [2]),
      expectedM: 2,
    });
    expect(out.dtype).toBe('bf16');
    expect(out.shape).toEqual([1, 2, 8]);
  });
});

describe('batchDeepgemmFp8NtGroupwise bad index data', () => {
  it("validate 'fast': maskedM outside [0, M] is clamped, then E_RANGE; the next group is not overrun", () => {
    const args = {
      a: randomTensor('e4m3', [2, 3, 128], { seed: 5 }),
      b: randomTensor('e4m3', [2, 8, 128], { seed: 6 }),
      aScale: randomTensor('f32', [2, 3, 1], { seed: 7, dist: 'uniform', low: 0.5, high: 1 }),
      bScale: randomTensor('f32', [2, 1, 1], { seed: 8, dist: 'uniform', low: 0.5, high: 1 }),
      maskedM: tensorFrom('i32', [2], [1000, -2]),
      expectedM: 1,
      out: nanTensor('bf16', [2, 3, 8]),
    };
    expect(() => fast.ops.batchDeepgemmFp8NtGroupwise(args)).toThrow(/E_RANGE/);
    const want = ([g, r, c]: number[]) => {
      if (g === 1) return null;
      let s = 0;
      for (let kk = 0; kk < 128; kk++)
        s +=
          at(args.a, g, r, kk) * at(args.aScale, g, r, 0) * at(args.b, g, c, kk) * at(args.bScale, g, 0, 0);
      return s;
    };
    expect(compare(args.out, want)).toEqual([]);
  });
});

describe('batchDeepgemmFp8NtGroupwise cost model', () => {
  it('gives finite, non-negative flops and bytes for every conformance case', () =>
    expectSaneCosts('batchDeepgemmFp8NtGroupwise'));
});
