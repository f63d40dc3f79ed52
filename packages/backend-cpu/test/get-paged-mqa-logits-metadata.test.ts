import { createContext, Tensor, tensorFrom } from '@gemmkit/core';
import { describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';
import { expectSaneCosts } from './grouped/costs.js';
import { at } from './grouped/naive.js';

const gk = await createContext({ backends: [cpu()] });

/**
 * The documented rule, computed differently from the kernel: list every (batch, split) pair, then SM i
 * starts at pair number i·q + min(i, r) of that list (or the end marker (B, 0)).
 */
function naiveSchedule(lens: number[][], blockKv: number, numSms: number): number[][] {
  const pairs: number[][] = [];
  lens.forEach((row, b) => {
    const longest = Math.max(0, ...row);
    for (let s = 0; s * 4 * blockKv < longest; s++) pairs.push([b, s]);
  });
  const q = Math.floor(pairs.length / numSms);
  const r = pairs.length % numSms;
  const rows: number[][] = [];
  for (let i = 0; i <= numSms; i++) {
    const g = i * q + Math.min(i, r);
    rows.push(g < pairs.length ? pairs[g] : [lens.length, 0]);
  }
  return rows;
}

function read(t: Tensor): number[][] {
  return Array.from({ length: t.shape[0] }, (_, i) => [at(t, i, 0), at(t, i, 1)]);
}

describe('getPagedMqaLogitsMetadata follows the documented split rule', () => {
  const cases: Array<[string, number[][], number, number]> = [
    ['1-D lengths with zeros', [[1000], [0], [257], [64], [1]], 64, 8],
    [
      '2-D lengths use the longest draft token',
      [
        [100, 130],
        [0, 5],
        [700, 600],
      ],
      32,
      5,
    ],
    ['all zero', [[0], [0], [0]], 64, 4],
    ['more SMs than splits', [[300], [20]], 64, 132],
    ['one SM', [[5000], [1], [2048]], 64, 1],
    ['negative lengths count as 0', [[-5], [300], [-1]], 64, 3],
  ];
  for (const [name, lens, blockKv, numSms] of cases)
    it(name, () => {
      const twoD = lens[0].length > 1;
      const flat = lens.flat();
      const contextLens = tensorFrom('i32', twoD ? [lens.length, lens[0].length] : [lens.length], flat);
      const out = gk.ops.getPagedMqaLogitsMetadata({ contextLens, blockKv, numSms });
      expect(out.shape).toEqual([numSms + 1, 2]);
      expect(read(out)).toEqual(naiveSchedule(lens, blockKv, numSms));
    });

  it('reads non-contiguous 1-D and 2-D lengths through their strides', () => {
    const base = tensorFrom('i32', [8], [513, 9999, 90, 9999, 2048, 9999, 3, 9999]);
    const strided = new Tensor('i32', [4], base.storage, [2], 0);
    expect(read(gk.ops.getPagedMqaLogitsMetadata({ contextLens: strided, numSms: 6 }))).toEqual(
      naiveSchedule([[513], [90], [2048], [3]], 64, 6),
    );
    const t = tensorFrom('i32', [2, 3], [70, 0, 900, 65, 1, 1000]).transpose(0, 1);
    expect(read(gk.ops.getPagedMqaLogitsMetadata({ contextLens: t, blockKv: 32, numSms: 3 }))).toEqual(
      naiveSchedule(
        [
          [70, 65],
          [0, 1],
          [900, 1000],
        ],
        32,
        3,
      ),
    );
  });

  it('every split is assigned exactly once and SM loads differ by at most one split', () => {
    const lens = [[777], [0], [4097], [256], [257]];
    const rows = naiveSchedule(lens, 64, 7);
    const out = read(
      gk.ops.getPagedMqaLogitsMetadata({ contextLens: tensorFrom('i32', [5], lens.flat()), numSms: 7 }),
    );
    expect(out).toEqual(rows);
    const splits = lens.map(([l]) => Math.ceil(l / 256));
    const flatIndex = ([b, s]: number[]) => splits.slice(0, b).reduce((x, y) => x + y, 0) + s;
    const loads = out.slice(1).map((row, i) => flatIndex(row) - flatIndex(out[i]));
    expect(loads.reduce((x, y) => x + y, 0)).toBe(splits.reduce((x, y) => x + y, 0));
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
  });
});

describe('getPagedMqaLogitsMetadata cost model', () => {
  it('gives finite, non-negative flops and bytes for every conformance case', () =>
    expectSaneCosts('getPagedMqaLogitsMetadata'));
});
