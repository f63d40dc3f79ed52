import { fail, type KernelFn } from '@gemmkit/core';
import { readInts, writeF64 } from '../host.js';

/** Reference contiguous layout: counts, aligned group starts, rows in increasing flat slot order. */
export const moeAlignLayout: KernelFn<'moeAlignLayout'> = (plan, args, kctx) => {
  const { tokens: T, k, numExperts: E, alignmentM: A, rows: M } = plan;
  const ids = readInts(args.topkIds, 'moeAlignLayout.topkIds');
  const counts = new Float64Array(E);
  for (let i = 0; i < ids.length; i++) {
    const e = ids[i];
    if (e === -1) continue;
    // 'fast' validation skipped the host check; the CPU "device" reports at once what a GPU reports at sync.
    if (!(e >= 0 && e < E))
      fail('E_RANGE', 'expert id out of range', {
        arg: 'moeAlignLayout.topkIds',
        expected: `-1 or [0, ${E})`,
        actual: `${e} at flat index ${i}`,
      });
    counts[e]++;
  }
  const next = new Float64Array(E);
  const psum = new Float64Array(E);
  let start = 0;
  for (let e = 0; e < E; e++) {
    next[e] = start;
    psum[e] = start + counts[e];
    start = Math.ceil((start + counts[e]) / A) * A;
  }
  const mIndices = new Float64Array(M).fill(-1);
  const tokenOf = new Float64Array(M).fill(-1);
  const rowOf = new Float64Array(T * k).fill(-1);
  for (let i = 0; i < ids.length; i++) {
    const e = ids[i];
    if (e < 0) continue;
    const r = next[e]++;
    rowOf[i] = r;
    mIndices[r] = e;
    tokenOf[r] = Math.floor(i / k);
  }
  const make = (shape: number[], v: Float64Array) => {
    const t = kctx.backend.empty('i32', shape);
    writeF64(t, v);
    return t;
  };
  return {
    mIndices: make([M], mIndices),
    tokenOf: make([M], tokenOf),
    rowOf: make([T, k], rowOf),
    psum: make([E], psum),
    counts: make([E], counts),
    numRows: make([1], Float64Array.of(start)),
  };
};
