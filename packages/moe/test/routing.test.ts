import { randomTensor } from '@gemmkit/core';
import { describe, expect, it } from 'vitest';
import { expertCounts, topkRouting } from '../src/index.js';
import { expectError, f32, floats, i32, ints } from './helpers.js';

describe('topkRouting', () => {
  it('softmax top-2 picks the largest logits, ties to the lower expert id', () => {
    const logits = f32([1, 3, 3, 0, /**/ 5, -1, 2, 4], [2, 4]);
    const r = topkRouting(logits, { topK: 2 });
    expect(ints(r.topkIds)).toEqual([1, 2, 0, 3]);
    const e = [1, 3, 3, 0].map(Math.exp);
    const s = e.reduce((a, b) => a + b);
    const w = floats(r.topkWeights);
    expect(w[0]).toBe(Math.fround(e[1] / s));
    expect(w[1]).toBe(Math.fround(e[2] / s));
    expect(ints(r.counts)).toEqual([1, 1, 1, 1]);
  });

  it('renormalized weights sum to 1; sigmoid with a selection-only bias', () => {
    const logits = randomTensor('f32', [16, 8], { seed: 4 });
    const r = topkRouting(logits, { topK: 3, renormalize: true });
    const w = floats(r.topkWeights);
    for (let t = 0; t < 16; t++) expect(w[3 * t] + w[3 * t + 1] + w[3 * t + 2]).toBeCloseTo(1, 6);
    const bias = f32([0, 0, 0, 0, 0, 0, 0, 100], [8]);
    const s = topkRouting(logits, { topK: 2, scoring: 'sigmoid', bias, renormalize: false, scale: 2 });
    const ids = ints(s.topkIds);
    const x = floats(logits);
    for (let t = 0; t < 16; t++) {
      expect(ids[2 * t]).toBe(7); // the bias forces expert 7 first
      expect(floats(s.topkWeights)[2 * t]).toBe(Math.fround(2 / (1 + Math.exp(-x[t * 8 + 7]))));
    }
    expect(ints(s.counts)[7]).toBe(16);
    expect(ints(s.counts).reduce((a, b) => a + b)).toBe(32);
  });

  it('group-limited (DeepSeek-V3 style) routing matches a direct search', () => {
    const T = 9;
    const E = 16;
    const logits = randomTensor('f32', [T, E], { seed: 31 });
    const bias = randomTensor('f32', [E], { seed: 32, std: 0.1 });
    const r = topkRouting(logits, {
      topK: 4,
      scoring: 'sigmoid',
      bias,
      numGroups: 4,
      topkGroup: 2,
      scale: 2.5,
    });
    const x = floats(logits);
    const b = floats(bias);
    const ids = ints(r.topkIds);
    const w = floats(r.topkWeights);
    for (let t = 0; t < T; t++) {
      const s = Array.from({ length: E }, (_, e) => 1 / (1 + Math.exp(-x[t * E + e])));
      const c = s.map((v, e) => v + b[e]);
      const gs = [0, 1, 2, 3].map((g) => {
        const v = c.slice(4 * g, 4 * g + 4).sort((p, q) => q - p);
        return v[0] + v[1];
      });
      const gsel = [0, 1, 2, 3].sort((p, q) => gs[q] - gs[p]).slice(0, 2);
      const cand = [...Array(E).keys()].filter((e) => gsel.includes(Math.floor(e / 4)));
      const pick = cand.sort((p, q) => c[q] - c[p]).slice(0, 4);
      expect(ids.slice(4 * t, 4 * t + 4)).toEqual(pick);
      const sum = pick.reduce((a, e) => a + s[e], 0);
      pick.forEach((e, j) => expect(w[4 * t + j]).toBe(Math.fround((s[e] / sum) * 2.5)));
    }
  });

  it('rejects bad input precisely', () => {
    const l = randomTensor('f32', [4, 8], { seed: 1 });
    expectError(
      () => topkRouting(l, { topK: 2, numGroups: 3, topkGroup: 1 }),
      'E_SHAPE',
      'moe.topkRouting.numGroups',
    );
    expectError(
      () => topkRouting(l, { topK: 2, numGroups: 4, topkGroup: 5 }),
      'E_RANGE',
      'moe.topkRouting.topkGroup',
    );
    expectError(
      () => topkRouting(l, { topK: 5, numGroups: 4, topkGroup: 2 }),
      'E_RANGE',
      'moe.topkRouting.topK',
    );
    expectError(() => topkRouting(l, { topK: 2, numGroups: 4 }), 'E_RANGE', 'moe.topkRouting.topkGroup');
    expectError(
      () => topkRouting(l, { topK: 2, bias: f32(new Array(8).fill(Number.NaN), [8]) }),
      'E_RANGE',
      'moe.topkRouting.bias',
    );
    expectError(() => topkRouting(l, { topK: 9 }), 'E_RANGE', 'moe.topkRouting.topK');
    expectError(() => topkRouting(l, { topK: 0 }), 'E_RANGE', 'moe.topkRouting.topK');
    expectError(
      () => topkRouting(l, { topK: 2, scoring: 'relu' as any }),
      'E_UNSUPPORTED',
      'moe.topkRouting.scoring',
    );
    expectError(() => topkRouting(i32([1, 2], [1, 2]), { topK: 1 }), 'E_DTYPE', 'moe.topkRouting.logits');
    expectError(() => topkRouting(f32([1, 2], [2]), { topK: 1 }), 'E_SHAPE', 'moe.topkRouting.logits');
    expectError(
      () => topkRouting(f32([1, Number.NaN], [1, 2]), { topK: 1 }),
      'E_RANGE',
      'moe.topkRouting.logits',
    );
    expectError(() => topkRouting(l, { topK: 1, bias: f32([1], [1]) }), 'E_SHAPE', 'moe.topkRouting.bias');
    expectError(() => topkRouting(l, { topK: 1, scale: Number.NaN }), 'E_RANGE', 'moe.topkRouting.scale');
  });
});

describe('expertCounts', () => {
  it('counts ids and skips -1', () => {
    expect(ints(expertCounts(i32([0, 2, 2, -1, 1, 2], [3, 2]), 4))).toEqual([1, 1, 3, 0]);
  });
  it('rejects ids outside [-1, E)', () => {
    expectError(() => expertCounts(i32([0, 4], [1, 2]), 4), 'E_RANGE', 'moe.expertCounts.topkIds');
    expectError(() => expertCounts(i32([0, -2], [1, 2]), 4), 'E_RANGE', 'moe.expertCounts.topkIds');
    expectError(() => expertCounts(f32([0, 1], [1, 2]), 4), 'E_DTYPE', 'moe.expertCounts.topkIds');
    expectError(() => expertCounts(i32([0], [1]), 0), 'E_RANGE', 'moe.expertCounts.numExperts');
  });
});
