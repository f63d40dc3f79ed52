import { createContext, nanTensor, randomTensor, tensorFrom } from '@gemmkit/core';
import { describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';
import { expectSaneCosts } from './grouped/costs.js';
import { at, compare } from './grouped/naive.js';

const gk = await createContext({ backends: [cpu()] });
const fast = await createContext({ backends: [cpu()], validate: 'fast' });

function naive(args: any, starts: number[], ends: number[]) {
  const [, heads, dim] = args.q.shape;
  return ([i, j]: number[]) => {
    if (j < starts[i] || j >= ends[i]) return args.cleanLogits ? Number.NEGATIVE_INFINITY : null;
    let logit = 0;
    for (let h = 0; h < heads; h++) {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += at(args.q, i, h, d) * at(args.k, j, d);
      logit += at(args.weights, i, h) * Math.max(0, at(args.kScale, j) * dot);
    }
    return logit;
  };
}

function build(
  seed: number,
  heads: number,
  dim: number,
  skv: number,
  starts: number[],
  ends: number[],
  clean: boolean,
) {
  const s = starts.length;
  return {
    q: randomTensor('e4m3', [s, heads, dim], { seed }),
    k: randomTensor('e4m3', [skv, dim], { seed: seed + 1 }),
    kScale: randomTensor('f32', [skv], { seed: seed + 2, dist: 'uniform', low: 0.01, high: 0.1 }),
    weights: randomTensor('f32', [s, heads], { seed: seed + 3 }),
    cuSeqLenKStart: tensorFrom('i32', [s], starts),
    cuSeqLenKEnd: tensorFrom('i32', [s], ends),
    cleanLogits: clean,
    out: nanTensor('f32', [s, skv]),
  };
}

describe('fp8MqaLogits agrees with the naive formula', () => {
  for (const clean of [true, false])
    it(`ragged windows incl. empty ones, cleanLogits ${clean}`, () => {
      const starts = [0, 0, 5, 12, 40];
      const ends = [1, 17, 5, 40, 40];
      const args = build(1, 8, 64, 40, starts, ends, clean);
      gk.ops.fp8MqaLogits(args);
      expect(compare(args.out, naive(args, starts, ends))).toEqual([]);
    });

  it('H 64, D 128', () => {
    const args = build(2, 64, 128, 30, [3, 0], [29, 30], true);
    gk.ops.fp8MqaLogits(args);
    expect(compare(args.out, naive(args, [3, 0], [29, 30]))).toEqual([]);
  });

  it("validate 'fast': windows outside [0, SKv] are clamped, then E_RANGE", () => {
    const args = build(3, 8, 64, 10, [-4, 6], [3, 25], true);
    expect(() => fast.ops.fp8MqaLogits(args)).toThrow(/E_RANGE/);
    expect(compare(args.out, naive(args, [0, 6], [3, 10]))).toEqual([]);
  });
});

describe('fp8MqaLogits cost model', () => {
  it('gives finite, non-negative flops and bytes for every conformance case', () =>
    expectSaneCosts('fp8MqaLogits'));
});
