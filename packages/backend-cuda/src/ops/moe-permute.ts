import type { KernelFn } from '@gemmkit/core';
import { addr, i32, kernelFrom, outTensor, rtOf } from './common.js';
import { grid2d, MOE_OPS } from './moe-common.js';

/** moePermute: one 128-thread block per grouped row copies its bytes (gk_moe_gather). */
export const moePermute: KernelFn<'moePermute'> = (plan, args, kctx) => {
  const rt = rtOf(kctx);
  const { tokens: T, rows: M, width: H, elemBytes: eb } = plan;
  const out = outTensor(kctx, args.out, args.x.dtype, [M, H]);
  if (M * H === 0) return out;
  kernelFrom(rt, MOE_OPS, 'gk_moe_gather').launch({
    grid: grid2d(M),
    block: [128],
    args: [
      addr(rt, args.x, 'moePermute.x'),
      i32(H * eb),
      i32(T),
      addr(rt, args.tokenOf, 'moePermute.tokenOf'),
      i32(M),
      addr(rt, out, 'moePermute.out'),
      rt.status.arg('moePermute.tokenOf'),
    ],
  });
  return out;
};
