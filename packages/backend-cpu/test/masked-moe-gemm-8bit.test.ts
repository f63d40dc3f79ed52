import {
  createContext,
  isMaskedMoeOverlap,
  maskedMoeOut,
  nanTensor,
  randomTensor,
  runMaskedMoeGemm8bit,
  Tensor,
  tensorFrom,
} from '@gemmkit/core';
import { describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';
import { expectSaneCosts } from './grouped/costs.js';
import { at, compare } from './grouped/naive.js';

const gk = await createContext({ backends: [cpu()] });
const fast = await createContext({ backends: [cpu()], validate: 'fast' });

function operands(
  seed: number,
  e: number,
  maxM: number,
  n: number,
  k: number,
  gn = 128,
  dtype: 'e4m3' | 'e5m2' = 'e4m3',
) {
  const kb = Math.ceil(k / 128);
  return {
    a: randomTensor(dtype, [e, maxM, k], { seed }),
    b: randomTensor(dtype, [e, n, k], { seed: seed + 1 }),
    aScale: randomTensor('f32', [e, maxM, kb], { seed: seed + 2, dist: 'uniform', low: 0.25, high: 2 }),
    bScale: randomTensor('f32', [e, Math.ceil(n / gn), kb], {
      seed: seed + 3,
      dist: 'uniform',
      low: 0.25,
      high: 2,
    }),
  };
}

export function maskedNaive(args: any, masked: number[], gn: number) {
  return ([e, m, n]: number[]) => {
    if (m >= masked[e]) return null;
    let s = 0;
    for (let kk = 0; kk < args.a.shape[2]; kk++)
      s +=
        at(args.a, e, m, kk) *
        at(args.aScale, e, m, Math.floor(kk / 128)) *
        at(args.b, e, n, kk) *
        at(args.bScale, e, Math.floor(n / gn), Math.floor(kk / 128));
    return s;
  };
}

describe('maskedMoeGemm8bit agrees with the naive formula', () => {
  it('bf16 out, 128x128 B scales, a fully masked expert', () => {
    const masked = [70, 0, 5];
    const ops = operands(1, 3, 70, 136, 144);
    const out = nanTensor('bf16', [3, 70, 136]);
    const r = gk.ops.maskedMoeGemm8bit({ ...ops, maskedM: tensorFrom('i32', [3], masked), out });
    expect(r).toBe(out);
    expect(compare(out, maskedNaive(ops, masked, 128))).toEqual([]);
  });

  it('e5m2 → f16, per-row B scales (gn = 1)', () => {
    const masked = [3, 7];
    const ops = operands(2, 2, 7, 9, 160, 1, 'e5m2');
    const out = nanTensor('f16', [2, 7, 9]);
    gk.ops.maskedMoeGemm8bit({
      ...ops,
      maskedM: tensorFrom('i32', [2], masked),
      out,
      scaleGranularityMnk: [1, 1, 128],
    });
    expect(compare(out, maskedNaive(ops, masked, 1))).toEqual([]);
  });
});

describe('maskedMoeGemm8bit overlap signal', () => {
  it('returns { out, signal, blockM, threshold }: blocks with rows reach ceil(N/128), others stay 0', () => {
    const masked = [65, 0, 64];
    const ops = operands(3, 3, 130, 130, 64);
    const out = nanTensor('bf16', [3, 130, 130]);
    const r = runMaskedMoeGemm8bit(gk, {
      ...ops,
      maskedM: tensorFrom('i32', [3], masked),
      out,
      enableOverlap: true,
    });
    expect(r.blockM).toBe(64);
    expect(r.threshold).toBe(2);
    expect(r.out).toBe(out);
    const sig = Array.from({ length: 9 }, (_, i) => at(r.signal, i));
    expect(sig).toEqual([2, 2, 0, 0, 0, 0, 2, 0, 0]);
    expect(compare(out, maskedNaive(ops, masked, 128))).toEqual([]);
    expect(isMaskedMoeOverlap(r)).toBe(true);
    expect(maskedMoeOut(r)).toBe(out);
  });

  it('adds to a caller-provided signal (counters are incremented, not overwritten)', () => {
    const ops = operands(4, 2, 10, 8, 64);
    const signal = tensorFrom('i32', [2], [5, 7]);
    const r = runMaskedMoeGemm8bit(gk, {
      ...ops,
      maskedM: tensorFrom('i32', [2], [1, 0]),
      enableOverlap: true,
      signal,
    });
    expect(r.signal).toBe(signal);
    expect([at(signal, 0), at(signal, 1)]).toEqual([6, 7]);
  });

  it('a runtime boolean gives the union type, narrowed by isMaskedMoeOverlap', () => {
    const ops = operands(7, 1, 4, 8, 64);
    for (const flag of [true, false]) {
      const r = runMaskedMoeGemm8bit(gk, {
        ...ops,
        maskedM: tensorFrom('i32', [1], [2]),
        enableOverlap: flag,
      });
      expect(isMaskedMoeOverlap(r)).toBe(flag);
      expect(maskedMoeOut(r).shape).toEqual([1, 4, 8]);
    }
  });

  it('without overlap the result is the out tensor itself', () => {
    const ops = operands(5, 1, 4, 8, 64);
    const r = runMaskedMoeGemm8bit(gk, { ...ops, maskedM: tensorFrom('i32', [1], [4]) });
    expect(r).toBeInstanceOf(Tensor);
    expect(isMaskedMoeOverlap(r)).toBe(false);
  });
});

describe('maskedMoeGemm8bit bad index data', () => {
  it("validate 'fast': maskedM > maxM is clamped to maxM (no write past the group), then E_RANGE", () => {
    const ops = operands(6, 2, 4, 8, 64);
    const big = nanTensor('bf16', [3, 4, 8]);
    const out = big.narrow(0, 0, 2);
    expect(() =>
      fast.ops.maskedMoeGemm8bit({ ...ops, maskedM: tensorFrom('i32', [2], [9, -3]), out }),
    ).toThrow(/E_RANGE/);
    expect(compare(out, maskedNaive(ops, [4, 0], 128))).toEqual([]);
    for (let m = 0; m < 4; m++) for (let n = 0; n < 8; n++) expect(Number.isNaN(at(big, 2, m, n))).toBe(true);
  });
});

describe('maskedMoeGemm8bit cost model', () => {
  it('gives finite, non-negative flops and bytes for every conformance case', () =>
    expectSaneCosts('maskedMoeGemm8bit'));
});
