import type { KernelFn } from '@gemmkit/core';
import { typeCode } from './codes.js';
import { addr, i32, i64, kernelFrom, outTensor, rtOf } from './common.js';
import { MOE_PERMUTE } from './moe-common.js';

/** moeUnpermute: h5's gk_moe_unpermute (moe_permute.cu), one block per token, f32 sums in slot order. */
export const moeUnpermute: KernelFn<'moeUnpermute'> = (plan, args, kctx) => {
  const rt = rtOf(kctx);
  const { tokens: T, k, rows: M, width: H } = plan;
  const out = outTensor(kctx, args.out, plan.outDtype, [T, H]);
  if (T * H === 0) return out;
  kernelFrom(rt, MOE_PERMUTE, 'gk_moe_unpermute').launch({
    grid: [T],
    block: [128],
    args: [
      addr(rt, args.y, 'moeUnpermute.y'),
      i32(typeCode(args.y.dtype, 'moeUnpermute.y')),
      i32(M),
      i64(H),
      addr(rt, args.rowOf, 'moeUnpermute.rowOf'),
      addr(rt, args.topkWeights, 'moeUnpermute.topkWeights'),
      i32(T),
      i32(k),
      i32(H),
      addr(rt, out, 'moeUnpermute.out'),
      i32(typeCode(plan.outDtype, 'moeUnpermute.out')),
      i64(H),
      rt.status.arg('moeUnpermute.rowOf'),
    ],
  });
  return out;
};
