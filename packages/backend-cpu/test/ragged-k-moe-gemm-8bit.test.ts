import { createContext, isGemmkitError, randomTensor, Tensor, tensorFrom } from '@gemmkit/core';
import { describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';
import { expectSaneCosts } from './grouped/costs.js';
import { at, bitsAt, compare } from './grouped/naive.js';

const gk = await createContext({ backends: [cpu()] });
const fast = await createContext({ backends: [cpu()], validate: 'fast' });

function operands(seed: number, kTotal: number, m: number, n: number, majorA = 'M', majorB = 'N') {
  const kb = Math.ceil(kTotal / 128);
  return {
    a:
      majorA === 'K'
        ? randomTensor('e4m3', [m, kTotal], { seed }).transpose(0, 1)
        : randomTensor('e4m3', [kTotal, m], { seed }),
    b:
      majorB === 'K'
        ? randomTensor('e4m3', [n, kTotal], { seed: seed + 1 }).transpose(0, 1)
        : randomTensor('e4m3', [kTotal, n], { seed: seed + 1 }),
    aScale: randomTensor('f32', [kb, m], { seed: seed + 2, dist: 'uniform', low: 0.25, high: 2 }),
    bScale: randomTensor('f32', [kb, n], { seed: seed + 3, dist: 'uniform', low: 0.25, high: 2 }),
  };
}

/** D_old + Σ over expert e's K rows, from the contract text. */
function naive(args: any, old: Tensor, counts: number[]) {
  return ([e, m, n]: number[]) => {
    let start = 0;
    for (let i = 0; i < e; i++) start += counts[i];
    let s = at(old, e, m, n);
    for (let kk = start; kk < start + counts[e]; kk++)
      s +=
        at(args.a, kk, m) *
        at(args.aScale, Math.floor(kk / 128), m) *
        at(args.b, kk, n) *
        at(args.bScale, Math.floor(kk / 128), n);
    return s;
  };
}

describe('raggedKMoeGemm8bit agrees with the naive formula', () => {
  for (const [majorA, majorB] of [
    ['M', 'N'],
    ['K', 'K'],
  ])
    it(`A ${majorA}-major, B ${majorB}-major, an empty expert, accumulates into out`, () => {
      const counts = [128, 0, 256];
      const ops = operands(21, 512, 9, 13, majorA, majorB);
      const out = randomTensor('f32', [3, 9, 13], { seed: 99 });
      const old = Tensor.host('f32', [3, 9, 13], out.hostBytes().slice());
      gk.ops.raggedKMoeGemm8bit({
        ...ops,
        raggedTokensInfo: tensorFrom('i32', [3], counts),
        out,
        majorA: majorA as 'M' | 'K',
        majorB: majorB as 'N' | 'K',
      });
      expect(compare(out, naive(ops, old, counts))).toEqual([]);
      // The empty expert's accumulator is bit-for-bit unchanged.
      for (let m = 0; m < 9; m++)
        for (let n = 0; n < 13; n++) expect(bitsAt(out, 1, m, n)).toBe(bitsAt(old, 1, m, n));
    });

  it('running twice accumulates twice', () => {
    const counts = [128];
    const ops = operands(5, 128, 3, 4);
    const out = tensorFrom('f32', [1, 3, 4], new Array(12).fill(0.5));
    const args = { ...ops, raggedTokensInfo: tensorFrom('i32', [1], counts), out };
    gk.ops.raggedKMoeGemm8bit(args);
    const once = Tensor.host('f32', [1, 3, 4], out.hostBytes().slice());
    gk.ops.raggedKMoeGemm8bit(args);
    expect(compare(out, naive(ops, once, counts))).toEqual([]);
  });
});

describe('raggedKMoeGemm8bit bad index data', () => {
  it("validate 'fast': counts past K are clamped, negative counts are empty, then E_RANGE", () => {
    const ops = operands(8, 256, 4, 5);
    const out = randomTensor('f32', [3, 4, 5], { seed: 3 });
    const old = Tensor.host('f32', [3, 4, 5], out.hostBytes().slice());
    let err: unknown;
    try {
      fast.ops.raggedKMoeGemm8bit({ ...ops, raggedTokensInfo: tensorFrom('i32', [3], [128, -5, 1000]), out });
    } catch (e) {
      err = e;
    }
    expect(isGemmkitError(err, 'E_RANGE')).toBe(true);
    expect(compare(out, naive(ops, old, [128, 0, 128]))).toEqual([]);
  });
});

describe('raggedKMoeGemm8bit misaligned counts', () => {
  it("validate 'fast': counts off the 128 grid are computed as given, then E_ALIGN (as 'full')", () => {
    const ops = operands(9, 256, 4, 5);
    const out = randomTensor('f32', [3, 4, 5], { seed: 4 });
    const old = Tensor.host('f32', [3, 4, 5], out.hostBytes().slice());
    const args = { ...ops, raggedTokensInfo: tensorFrom('i32', [3], [100, 28, 128]), out };
    let err: unknown;
    try {
      fast.ops.raggedKMoeGemm8bit(args);
    } catch (e) {
      err = e;
    }
    expect(isGemmkitError(err, 'E_ALIGN')).toBe(true);
    expect((err as { arg: string }).arg).toBe('raggedKMoeGemm8bit.raggedTokensInfo');
    expect(compare(out, naive(ops, old, [100, 28, 128]))).toEqual([]);
    expect(() => gk.ops.raggedKMoeGemm8bit(args)).toThrow(/E_ALIGN/);
  });
});

describe('raggedKMoeGemm8bit cost model', () => {
  it('gives finite, non-negative flops and bytes for every conformance case', () =>
    expectSaneCosts('raggedKMoeGemm8bit'));
});
