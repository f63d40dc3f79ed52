import type { KernelFn } from '@gemmkit/core';
import { addr, i32, kernelFrom, rtOf } from './common.js';
import { MOE_OPS } from './moe-common.js';

/** moeAlignLayout: the whole layout in one launch of one 1024-thread block (gk_moe_align_layout). */
export const moeAlignLayout: KernelFn<'moeAlignLayout'> = (plan, args, kctx) => {
  const rt = rtOf(kctx);
  const { tokens: T, k, numExperts: E, alignmentM: A, rows: M } = plan;
  const b = kctx.backend;
  const out = {
    mIndices: b.empty('i32', [M]),
    tokenOf: b.empty('i32', [M]),
    rowOf: b.empty('i32', [T, k]),
    psum: b.empty('i32', [E]),
    counts: b.empty('i32', [E]),
    numRows: b.empty('i32', [1]),
  };
  const op = 'moeAlignLayout';
  kernelFrom(rt, MOE_OPS, 'gk_moe_align_layout').launch({
    grid: [1],
    block: [1024],
    args: [
      addr(rt, args.topkIds, `${op}.topkIds`),
      i32(T * k),
      i32(k),
      i32(E),
      i32(A),
      i32(M),
      addr(rt, out.mIndices, `${op}.mIndices`),
      addr(rt, out.tokenOf, `${op}.tokenOf`),
      addr(rt, out.rowOf, `${op}.rowOf`),
      addr(rt, out.psum, `${op}.psum`),
      addr(rt, out.counts, `${op}.counts`),
      addr(rt, out.numRows, `${op}.numRows`),
      rt.status.arg(`${op}.topkIds`),
    ],
  });
  return out;
};
