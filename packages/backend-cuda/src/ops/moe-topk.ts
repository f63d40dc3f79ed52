import type { KernelFn } from '@gemmkit/core';
import { typeCode } from './codes.js';
import { addr, cdiv, i32, kernelFrom, outTensor, rtOf } from './common.js';
import { MOE_OPS } from './moe-common.js';

/** moeTopk: one thread per token (kernels/moe_ops.cu gk_moe_topk). */
export const moeTopk: KernelFn<'moeTopk'> = (plan, args, kctx) => {
  const rt = rtOf(kctx);
  const { tokens: T, experts: E, k } = plan;
  const topkIds = outTensor(kctx, args.outIds, 'i32', [T, k]);
  const topkWeights = outTensor(kctx, args.outWeights, 'f32', [T, k]);
  if (T === 0) return { topkIds, topkWeights };
  kernelFrom(rt, MOE_OPS, 'gk_moe_topk').launch({
    grid: [cdiv(T, 128)],
    block: [128],
    args: [
      addr(rt, args.logits, 'moeTopk.logits'),
      i32(typeCode(args.logits.dtype, 'moeTopk.logits')),
      i32(T),
      i32(E),
      i32(k),
      i32(plan.scoring === 'softmax' ? 0 : 1),
      i32(plan.renormalize ? 1 : 0),
      addr(rt, args.bias, 'moeTopk.bias'),
      { f32: plan.scale },
      i32(plan.numGroups),
      i32(plan.topkGroup),
      addr(rt, topkIds, 'moeTopk.outIds'),
      addr(rt, topkWeights, 'moeTopk.outWeights'),
      rt.status.arg('moeTopk.logits'),
    ],
  });
  return { topkIds, topkWeights };
};
