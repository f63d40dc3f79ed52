import { describe, expect, it } from 'vitest';
import { contiguousLayout, groupedRowsFromCounts, maskedLayout } from '../src/index.js';
import { expectError, f32, i32, ints } from './helpers.js';

/** A second, independent derivation of the contiguous layout: walk experts and append rows. */
function naiveRows(counts: number[], align: number) {
  const m: number[] = [];
  const psum: number[] = [];
  for (let e = 0; e < counts.length; e++) {
    while (m.length % align) m.push(-1);
    for (let i = 0; i < counts[e]; i++) m.push(e);
    psum.push(m.length);
  }
  while (m.length % align) m.push(-1);
  return { m, psum };
}

describe('contiguous layout', () => {
  for (const align of [128, 256, 4])
    it(`alignment ${align}: mIndices (-1 padding), psum and per-expert forms agree`, () => {
      const counts = [3, 0, 130, 1, 0, 256];
      const g = groupedRowsFromCounts(counts, align);
      const want = naiveRows(counts, align);
      expect(ints(g.mIndices)).toEqual(want.m);
      expect(ints(g.psum)).toEqual(want.psum);
      expect(ints(g.counts)).toEqual(counts);
      expect(g.totalRows % align).toBe(0);
      for (const o of ints(g.offsets)) expect(o % align).toBe(0);
      // psum is enough to rebuild the rows: expert e owns [roundup(psum[e-1], align), psum[e]).
      const p = ints(g.psum);
      const rebuilt = new Array(g.totalRows).fill(-1);
      let prev = 0;
      p.forEach((end, e) => {
        for (let r = Math.ceil(prev / align) * align; r < end; r++) rebuilt[r] = e;
        prev = end;
      });
      expect(rebuilt).toEqual(want.m);
    });

  it('rowOf places each (token, slot) in its expert group in token order', () => {
    const ids = i32([2, 0, /**/ 0, 1, /**/ 2, -1, /**/ 0, 2], [4, 2]);
    const l = contiguousLayout(ids, 3, { alignment: 4 });
    expect(ints(l.counts)).toEqual([3, 1, 3]);
    expect(ints(l.offsets)).toEqual([0, 4, 8]);
    expect(ints(l.psum)).toEqual([3, 5, 11]);
    expect(ints(l.rowOf)).toEqual([8, 0, 1, 4, 9, -1, 2, 10]);
    expect(ints(l.mIndices)).toEqual([0, 0, 0, -1, 1, -1, -1, -1, 2, 2, 2, -1]);
  });

  it('rejects bad input precisely', () => {
    expectError(() => groupedRowsFromCounts([1, -1], 128), 'E_RANGE', 'moe.groupedRowsFromCounts.counts');
    expectError(() => groupedRowsFromCounts([1, 1.5], 128), 'E_RANGE', 'moe.groupedRowsFromCounts.counts');
    expectError(() => groupedRowsFromCounts([1], 0), 'E_RANGE', 'moe.groupedRowsFromCounts.alignment');
    expectError(
      () => groupedRowsFromCounts(f32([1], [1]), 128),
      'E_DTYPE',
      'moe.groupedRowsFromCounts.counts',
    );
    expectError(() => contiguousLayout(i32([0, 3], [1, 2]), 3), 'E_RANGE', 'moe.contiguousLayout.topkIds');
    expectError(() => contiguousLayout(i32([0, 1], [2]), 3), 'E_SHAPE', 'moe.contiguousLayout.topkIds');
    expectError(
      () => contiguousLayout(i32([0], [1, 1]), 3, { alignment: -128 }),
      'E_RANGE',
      'moe.contiguousLayout.alignment',
    );
  });
});

describe('masked layout', () => {
  it('maskedM counts, rows e·maxM + slot, expectedM hint', () => {
    const ids = i32([1, 0, /**/ 1, 2, /**/ 1, -1], [3, 2]);
    const l = maskedLayout(ids, 4, { maxM: 5 });
    expect(ints(l.maskedM)).toEqual([1, 3, 1, 0]);
    expect(ints(l.rowOf)).toEqual([5, 0, 6, 10, 7, -1]);
    expect(l.expectedM).toBe(2);
    expect(l.totalRows).toBe(20);
    expect(maskedLayout(ids, 4).maxM).toBe(3);
  });
  it('rejects maxM below the busiest expert and bad ids', () => {
    const ids = i32([1, 1, 1, 0], [2, 2]);
    expectError(() => maskedLayout(ids, 2, { maxM: 2 }), 'E_RANGE', 'moe.maskedLayout.maxM');
    expectError(() => maskedLayout(ids, 1), 'E_RANGE', 'moe.maskedLayout.topkIds');
    expectError(() => maskedLayout(ids, 2, { maxM: 0 }), 'E_RANGE', 'moe.maskedLayout.maxM');
  });
});
