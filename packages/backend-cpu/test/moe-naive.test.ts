/**
 * The device-MoE ops (moeTopk, moeAlignLayout, moePermute, moeUnpermute, siluMulQuantFp8) on cpu against
 * independent naive formulas, over every conformance case of those ops: full sorts instead of selection,
 * per-expert scans instead of a counting pass, scatter instead of gather, brute-force FP8 rounding over all
 * 256 codes.
 */

import { createContext, type Tensor, valuesOf } from '@gemmkit/core';
import { type AnyConformanceCase, conformanceCases } from '@gemmkit/core/conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';

const gk = await createContext({ backends: [cpu()], validate: 'full' });
afterAll(() => gk.dispose());

const vals = (t: Tensor) => Array.from(valuesOf(t));
const cases = (op: string) => conformanceCases.filter((c) => c.op === op) as AnyConformanceCase[];
const run = (c: AnyConformanceCase, seed: number) => {
  const args = c.build(seed) as any;
  return { args, r: gk.run(c.op, args) as any };
};

// e4m3 "fn" values of all 256 codes, from the format definition.
const E4M3 = Array.from({ length: 256 }, (_, b) => {
  const s = b & 0x80 ? -1 : 1;
  const e = (b >> 3) & 15;
  const m = b & 7;
  if (e === 15 && m === 7) return Number.NaN;
  return e === 0 ? s * (m / 8) * 2 ** -6 : s * (1 + m / 8) * 2 ** (e - 7);
});
const E5M2 = Array.from({ length: 256 }, (_, b) => {
  const s = b & 0x80 ? -1 : 1;
  const e = (b >> 2) & 31;
  const m = b & 3;
  if (e === 31) return m ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return e === 0 ? s * (m / 4) * 2 ** -14 : s * (1 + m / 4) * 2 ** (e - 15);
});
/** Nearest finite code (ties to the even code), saturating: brute force over the table. */
function nearest(table: number[], v: number): number {
  let best = -1;
  for (let b = 0; b < 256; b++) {
    if (!Number.isFinite(table[b])) continue;
    if (best < 0) {
      best = b;
      continue;
    }
    const d = Math.abs(table[b] - v);
    const db = Math.abs(table[best] - v);
    if (d < db || (d === db && (b & 1) === 0 && (best & 1) === 1)) best = b;
  }
  return table[best];
}

describe('moeTopk vs a full sort', () => {
  for (const c of cases('moeTopk'))
    it(c.name, () => {
      const { args, r } = run(c, 7);
      const [T, E] = args.logits.shape;
      const k = args.topK;
      const x = vals(args.logits);
      const bias = args.bias ? vals(args.bias) : null;
      const sig = args.scoring === 'sigmoid';
      const renorm = args.renormalize ?? sig;
      const ids = vals(r.topkIds);
      const w = vals(r.topkWeights);
      for (let t = 0; t < T; t++) {
        const row = x.slice(t * E, (t + 1) * E);
        const z = row.reduce((s, v) => s + Math.exp(v), 0);
        const score = row.map((v) => (sig ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / z));
        let keyed = score.map((s, e) => ({ e, key: bias ? s + bias[e] : s }));
        if (args.numGroups && args.topkGroup < args.numGroups) {
          // Group score from the definition: top-2 sum with bias (per > 1), else the max key.
          const per = E / args.numGroups;
          const gs = Array.from({ length: args.numGroups }, (_, g) => {
            const ks = keyed
              .slice(g * per, (g + 1) * per)
              .map((q) => q.key)
              .sort((a, b) => b - a);
            return { g, v: bias && per > 1 ? ks[0] + ks[1] : ks[0] };
          });
          gs.sort((a, b) => (b.v === a.v ? a.g - b.g : b.v - a.v));
          const ok = new Set(gs.slice(0, args.topkGroup).map((q) => q.g));
          keyed = keyed.filter((q) => ok.has(Math.floor(q.e / per)));
        }
        keyed.sort((a, b) => (b.key === a.key ? a.e - b.e : b.key - a.key));
        const top = keyed.slice(0, k).map((q) => q.e);
        expect(ids.slice(t * k, (t + 1) * k)).toEqual(top);
        const sum = top.reduce((s, e) => s + score[e], 0);
        top.forEach((e, j) => {
          const want = (renorm ? score[e] / sum : score[e]) * (args.scale ?? 1);
          expect(Math.abs(w[t * k + j] - want)).toBeLessThanOrEqual(Math.abs(want) * 2 ** -23 + 1e-30);
        });
      }
    });
});

describe('moeAlignLayout vs per-expert scans', () => {
  for (const c of cases('moeAlignLayout'))
    it(c.name, () => {
      const { args, r } = run(c, 7);
      const ids = vals(args.topkIds);
      const [, k] = args.topkIds.shape;
      const E = args.numExperts;
      const A = args.alignmentM ?? 128;
      const mIdx = vals(r.mIndices);
      const tokenOf = vals(r.tokenOf);
      const rowOf = vals(r.rowOf);
      let start = 0;
      for (let e = 0; e < E; e++) {
        const mine = ids.flatMap((v, i) => (v === e ? [i] : []));
        expect(vals(r.counts)[e]).toBe(mine.length);
        expect(vals(r.psum)[e]).toBe(start + mine.length);
        mine.forEach((i, n) => {
          expect(rowOf[i]).toBe(start + n);
          expect(mIdx[start + n]).toBe(e);
          expect(tokenOf[start + n]).toBe(Math.floor(i / k));
        });
        for (let p = start + mine.length; p < Math.ceil((start + mine.length) / A) * A; p++) {
          expect(mIdx[p]).toBe(-1);
          expect(tokenOf[p]).toBe(-1);
        }
        start = Math.ceil((start + mine.length) / A) * A;
      }
      expect(vals(r.numRows)).toEqual([start]);
      expect(mIdx.slice(start).every((v) => v === -1)).toBe(true);
      expect(ids.every((v, i) => (v === -1) === (rowOf[i] === -1))).toBe(true);
      expect(mIdx.length).toBeGreaterThanOrEqual(start);
    });
});

describe('moePermute vs a scatter', () => {
  for (const c of cases('moePermute'))
    it(c.name, () => {
      const { args, r } = run(c, 7);
      const [T, H] = args.x.shape;
      const tokenOf = vals(args.tokenOf);
      const eb = args.x.hostBytes().length / Math.max(1, T * H);
      const src = args.x.hostBytes();
      const want = new Uint8Array(tokenOf.length * H * eb);
      tokenOf.forEach((t, row) => {
        if (t >= 0) for (let b = 0; b < H * eb; b++) want[row * H * eb + b] = src[t * H * eb + b];
      });
      expect([...r.hostBytes()]).toEqual([...want]);
    });
});

describe('moeUnpermute vs a weighted sum', () => {
  for (const c of cases('moeUnpermute'))
    it(c.name, () => {
      const { args, r } = run(c, 7);
      const [, H] = args.y.shape;
      const [T, k] = args.rowOf.shape;
      const y = vals(args.y);
      const rowOf = vals(args.rowOf);
      const w = args.topkWeights ? vals(args.topkWeights) : null;
      const got = vals(r);
      const ulp = r.dtype === 'f32' ? 2 ** -24 : r.dtype === 'f16' ? 2 ** -11 : 2 ** -8;
      for (let t = 0; t < T; t++)
        for (let h = 0; h < H; h++) {
          let want = 0;
          for (let j = 0; j < k; j++)
            if (rowOf[t * k + j] >= 0) want += (w ? w[t * k + j] : 1) * y[rowOf[t * k + j] * H + h];
          expect(Math.abs(got[t * H + h] - want)).toBeLessThanOrEqual(Math.abs(want) * ulp + 1e-30);
        }
    });
});

describe('siluMulQuantFp8 vs silu·mul and brute-force FP8 rounding', () => {
  for (const c of cases('siluMulQuantFp8'))
    it(c.name, () => {
      const { args, r } = run(c, 7);
      const [m, twoI] = args.x.shape;
      const I = twoI / 2;
      const G = args.groupSize ?? 128;
      const e5 = args.outDtype === 'e5m2';
      const fpMax = e5 ? 57344 : 448;
      const x = vals(args.x);
      const data = vals(r.data);
      const scale = vals(r.scale.tensor);
      const groups = Math.ceil(I / G);
      const ids = args.mIndices ? vals(args.mIndices) : null;
      for (let row = 0; row < m; row++)
        for (let g = 0; g < groups; g++) {
          if (ids && ids[row] < 0) {
            // Padding row: zero scale and zero codes, whatever x holds.
            expect(scale[row * groups + g]).toBe(0);
            for (let c = g * G; c < Math.min(I, (g + 1) * G); c++) expect(data[row * I + c]).toBe(0);
            continue;
          }
          const y: number[] = [];
          for (let c = g * G; c < Math.min(I, (g + 1) * G); c++) {
            const gate = x[row * twoI + c];
            y.push((gate / (1 + Math.exp(-gate))) * x[row * twoI + I + c]);
          }
          const a = Math.max(Math.max(...y.map(Math.abs)), args.eps ?? 1e-4) / fpMax;
          const s = args.ue8m0 ? 2 ** Math.ceil(Math.log2(a)) : Math.fround(a);
          expect(scale[row * groups + g]).toBe(s);
          y.forEach((v, i) => {
            // +0 / -0: the same value (the sign of a zero code is not part of the contract).
            expect(data[row * I + g * G + i] + 0).toBe(nearest(e5 ? E5M2 : E4M3, v / s) + 0);
          });
        }
    });
});

describe('moeTopk full validation of host-readable values', () => {
  // (Not in the shared bad-input list: on a device the bias is not host-readable and the CUDA status word
  // names moeTopk.logits for any non-finite routing input.)
  it('rejects a NaN bias naming moeTopk.bias', async () => {
    const { tensorFrom, isGemmkitError } = await import('@gemmkit/core');
    const logits = tensorFrom('f32', [2, 4], [0, 1, 2, 3, 3, 2, 1, 0]);
    const bias = tensorFrom('f32', [4], [0, Number.NaN, 0, 0]);
    try {
      gk.ops.moeTopk({ logits, topK: 2, bias });
      expect.unreachable('accepted');
    } catch (e) {
      expect(isGemmkitError(e, 'E_RANGE')).toBe(true);
      expect((e as { arg?: string }).arg).toBe('moeTopk.bias');
    }
  });
});
