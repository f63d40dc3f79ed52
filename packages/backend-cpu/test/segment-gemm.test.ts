import { createContext, isGemmkitError, nanTensor, randomTensor, tensorFrom } from '@gemmkit/core';
import { describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';
import { expectSaneCosts } from './grouped/costs.js';
import { at, compare } from './grouped/naive.js';

const gk = await createContext({ backends: [cpu()] });
const fast = await createContext({ backends: [cpu()], validate: 'fast' });

/** y[r] = x[r] · W[w] for the segment holding r (null: outside every segment), from FlashInfer's doc. */
function naive(x: any, w: any, colMajor: boolean, bounds: number[], widx: number[] | null) {
  return ([r, o]: number[]) => {
    for (let i = 0; i + 1 < bounds.length; i++)
      if (r >= bounds[i] && r < bounds[i + 1]) {
        const wi = widx ? widx[i] : i;
        let s = 0;
        for (let j = 0; j < x.shape[1]; j++)
          s += at(x, r, j) * (colMajor ? at(w, wi, o, j) : at(w, wi, j, o));
        return s;
      }
    return null;
  };
}

describe('segmentGemm agrees with the naive formula', () => {
  it('segLens (i64), row-major weights — the FlashInfer example shape', () => {
    const x = randomTensor('bf16', [10, 64], { seed: 1 });
    const w = randomTensor('bf16', [4, 64, 24], { seed: 2 });
    const out = nanTensor('bf16', [10, 24]);
    gk.ops.segmentGemm({
      x,
      weights: w,
      batchSize: 4,
      weightColumnMajor: false,
      segLens: tensorFrom('i64', [4], [1, 2, 3, 4]),
      out,
    });
    expect(compare(out, naive(x, w, false, [0, 1, 3, 6, 10], null))).toEqual([]);
  });

  it('column-major weights, weightIndices, segIndptr (i32), f16', () => {
    const x = randomTensor('f16', [10, 48], { seed: 3 });
    const w = randomTensor('f16', [2, 20, 48], { seed: 4 });
    const out = gk.ops.segmentGemm({
      x,
      weights: w,
      batchSize: 4,
      weightColumnMajor: true,
      segIndptr: tensorFrom('i32', [5], [0, 1, 3, 6, 10]),
      weightIndices: tensorFrom('i32', [4], [0, 1, 0, 1]),
    });
    expect(compare(out, naive(x, w, true, [0, 1, 3, 6, 10], [0, 1, 0, 1]))).toEqual([]);
  });

  it('segIndptr wins over segLens; uncovered rows and empty segments stay untouched', () => {
    const x = randomTensor('bf16', [12, 16], { seed: 5 });
    const w = randomTensor('bf16', [3, 16, 8], { seed: 6 });
    const out = nanTensor('bf16', [12, 8]);
    gk.ops.segmentGemm({
      x,
      weights: w,
      batchSize: 3,
      weightColumnMajor: false,
      segLens: tensorFrom('i64', [3], [12, 0, 0]),
      segIndptr: tensorFrom('i64', [4], [2, 5, 5, 9]),
      out,
    });
    expect(compare(out, naive(x, w, false, [2, 5, 5, 9], null))).toEqual([]);
  });

  it("validate 'fast': a weight index out of range skips its segment, then E_RANGE", () => {
    const x = randomTensor('bf16', [6, 16], { seed: 7 });
    const w = randomTensor('bf16', [2, 16, 8], { seed: 8 });
    const out = nanTensor('bf16', [6, 8]);
    let err: unknown;
    try {
      fast.ops.segmentGemm({
        x,
        weights: w,
        batchSize: 2,
        weightColumnMajor: false,
        segLens: tensorFrom('i64', [2], [2, 4]),
        weightIndices: tensorFrom('i64', [2], [1, 5]),
        out,
      });
    } catch (e) {
      err = e;
    }
    expect(isGemmkitError(err, 'E_RANGE')).toBe(true);
    expect(compare(out, naive(x, w, false, [0, 2], [1]))).toEqual([]);
  });
});

describe('segmentGemm cost model', () => {
  it('gives finite, non-negative flops and bytes for every conformance case', () =>
    expectSaneCosts('segmentGemm'));
});
