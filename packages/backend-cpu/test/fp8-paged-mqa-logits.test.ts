import { createContext, isGemmkitError, nanTensor, randomTensor, Tensor, tensorFrom } from '@gemmkit/core';
import { describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';
import { expectSaneCosts } from './grouped/costs.js';
import { at, compare, e4m3 } from './grouped/naive.js';

const gk = await createContext({ backends: [cpu()] });
const fast = await createContext({ backends: [cpu()], validate: 'fast' });

/** A fused cache built byte by byte: keys are random bytes (NaN codes avoided), scales in [0.01, 0.1). */
function fusedCache(numBlocks: number, blockKv: number, dim: number, seed: number): Tensor {
  const bytes = new Uint8Array(numBlocks * blockKv * (dim + 4));
  const view = new DataView(bytes.buffer);
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  for (let p = 0; p < numBlocks; p++) {
    const base = p * blockKv * (dim + 4);
    for (let i = 0; i < blockKv * dim; i++) {
      let b = Math.floor(next() * 256);
      if ((b & 0x7f) === 0x7f) b = 0x3c; // avoid NaN
      bytes[base + i] = b & 0xbf; // keep magnitudes small-ish (exponent bit 6 cleared)
    }
    for (let s = 0; s < blockKv; s++)
      view.setFloat32(base + blockKv * dim + 4 * s, 0.01 + 0.09 * next(), true);
  }
  return Tensor.host('u8', [numBlocks, blockKv, 1, dim + 4], bytes);
}

/** The logit formula of the contract, reading keys and scales straight from the page bytes. */
function naive(args: any, lens: number[], twoD: boolean, blockKv: number) {
  const [batch, nextN, heads, dim] = args.q.shape;
  void batch;
  const cache = args.fusedKvCache as Tensor;
  const bytes = cache.hostBytes();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const maxBlocks = args.blockTable.shape[1];
  return ([row, j]: number[]) => {
    const b = Math.floor(row / nextN);
    const t = row % nextN;
    const count = twoD ? lens[b * nextN + t] : lens[b] - nextN + t + 1;
    if (j >= count) return args.cleanLogits ? Number.NEGATIVE_INFINITY : null;
    const page = at(args.blockTable, b, Math.floor(j / blockKv));
    void maxBlocks;
    const slot = j % blockKv;
    const pageBase = page * blockKv * (dim + 4);
    const scale = view.getFloat32(pageBase + blockKv * dim + 4 * slot, true);
    let logit = 0;
    for (let h = 0; h < heads; h++) {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += at(args.q, b, t, h, d) * e4m3(bytes[pageBase + slot * dim + d]);
      logit += at(args.weights, row, h) * Math.max(0, scale * dot);
    }
    return logit;
  };
}

function schedule(gkCtx: typeof gk, lens: Tensor, blockKv: number, numSms: number) {
  return gkCtx.ops.getPagedMqaLogitsMetadata({ contextLens: lens, blockKv, numSms });
}

describe('fp8PagedMqaLogits agrees with the naive formula', () => {
  const setups = [
    {
      name: '1-D lengths, nextN 2, clean',
      lens: [150, 3],
      twoD: false,
      nextN: 2,
      heads: 8,
      dim: 128,
      blockKv: 64,
      clean: true,
      width: 192,
    },
    {
      name: '1-D lengths, no clean (tail untouched)',
      lens: [150, 3],
      twoD: false,
      nextN: 2,
      heads: 8,
      dim: 128,
      blockKv: 64,
      clean: false,
      width: 160,
    },
    {
      name: '2-D lengths, blockKv 32, D 64',
      lens: [40, 0, 70, 65],
      twoD: true,
      nextN: 2,
      heads: 16,
      dim: 64,
      blockKv: 32,
      clean: true,
      width: 72,
    },
    {
      name: 'context shorter than nextN',
      lens: [1, 0],
      twoD: false,
      nextN: 3,
      heads: 8,
      dim: 64,
      blockKv: 32,
      clean: true,
      width: 8,
    },
  ];
  for (const s of setups)
    it(s.name, () => {
      const batch = s.lens.length / (s.twoD ? s.nextN : 1);
      const longest = Array.from({ length: batch }, (_, b) =>
        s.twoD ? Math.max(...s.lens.slice(b * s.nextN, (b + 1) * s.nextN)) : s.lens[b],
      );
      const pages = longest.map((l) => Math.ceil(l / s.blockKv));
      const maxBlocks = Math.max(1, ...pages) + 2;
      const numBlocks = pages.reduce((x, y) => x + y, 0) + 3;
      // Pages assigned from the top of the cache down; unused tail entries are -1.
      let nextPage = numBlocks - 1;
      const table: number[] = [];
      for (const p of pages) for (let i = 0; i < maxBlocks; i++) table.push(i < p ? nextPage-- : -1);
      const contextLens = tensorFrom('i32', s.twoD ? [batch, s.nextN] : [batch], s.lens);
      const args = {
        q: randomTensor('e4m3', [batch, s.nextN, s.heads, s.dim], { seed: 1 }),
        fusedKvCache: fusedCache(numBlocks, s.blockKv, s.dim, 7),
        weights: randomTensor('f32', [batch * s.nextN, s.heads], { seed: 2 }),
        contextLens,
        blockTable: tensorFrom('i32', [batch, maxBlocks], table),
        scheduleMeta: schedule(gk, contextLens, s.blockKv, 3),
        maxContextLen: s.width,
        cleanLogits: s.clean,
        out: nanTensor('f32', [batch * s.nextN, s.width]),
      };
      gk.ops.fp8PagedMqaLogits(args);
      expect(compare(args.out, naive(args, s.lens, s.twoD, s.blockKv))).toEqual([]);
    });
});

describe('fp8PagedMqaLogits bad index data', () => {
  it("validate 'fast': a page id outside the cache is skipped (its positions untouched), then E_RANGE", () => {
    const contextLens = tensorFrom('i32', [1], [40]);
    const args = {
      q: randomTensor('e4m3', [1, 1, 8, 64], { seed: 3 }),
      fusedKvCache: fusedCache(2, 32, 64, 9),
      weights: randomTensor('f32', [1, 8], { seed: 4 }),
      contextLens,
      blockTable: tensorFrom('i32', [1, 2], [1, 57]),
      scheduleMeta: schedule(gk, contextLens, 32, 2),
      maxContextLen: 48,
      cleanLogits: true,
      out: nanTensor('f32', [1, 48]),
    };
    let err: unknown;
    try {
      fast.ops.fp8PagedMqaLogits(args);
    } catch (e) {
      err = e;
    }
    expect(isGemmkitError(err, 'E_RANGE')).toBe(true);
    const good = naive({ ...args, blockTable: tensorFrom('i32', [1, 2], [1, 0]) }, [40], false, 32);
    expect(compare(args.out, ([r, j]) => (j >= 32 && j < 40 ? null : good([r, j])))).toEqual([]);
  });

  it("validate 'fast': a context longer than the block table reads no further than the table", () => {
    const contextLens = tensorFrom('i32', [1], [100]);
    const args = {
      q: randomTensor('e4m3', [1, 1, 8, 64], { seed: 5 }),
      fusedKvCache: fusedCache(2, 32, 64, 11),
      weights: randomTensor('f32', [1, 8], { seed: 6 }),
      contextLens,
      blockTable: tensorFrom('i32', [1, 2], [0, 1]),
      scheduleMeta: schedule(gk, contextLens, 32, 2),
      maxContextLen: 100,
      cleanLogits: false,
      out: nanTensor('f32', [1, 100]),
    };
    expect(() => fast.ops.fp8PagedMqaLogits(args)).toThrow(/E_RANGE/);
    const good = naive(args, [100], false, 32);
    expect(compare(args.out, ([r, j]) => (j >= 64 ? null : good([r, j])))).toEqual([]);
  });
});

describe('fp8PagedMqaLogits cost model', () => {
  it('gives finite, non-negative flops and bytes for every conformance case', () =>
    expectSaneCosts('fp8PagedMqaLogits'));
});
