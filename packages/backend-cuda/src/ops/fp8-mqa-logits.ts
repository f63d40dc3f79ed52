import type { KernelFn } from '@gemmkit/core';
import { addr, cdiv, i32, i64, kernelFrom, outTensor, rtOf } from './common.js';
import { withDenseInputs } from './dense-inputs.js';
import { MQA, MQA_BLOCK } from './indexer.js';
import { launchSm90MqaLogits, sm90MqaLogitsApplies } from './sm90/mqa-logits-sm90.js';

/** fp8MqaLogits (non-paged lightning indexer); key ranges are clamped to [0, SKv] and flagged when bad. */
export const fp8MqaLogits: KernelFn<'fp8MqaLogits'> = (plan, args, kctx) => {
  const rt = rtOf(kctx);
  const out = outTensor(kctx, args.out, 'f32', plan.outShape);
  if (plan.seqLen === 0 || plan.seqLenKv === 0) return out;
  // Both kernels index every input densely: strided views are gathered first (then the sm90 path may apply).
  withDenseInputs(kctx, (d) => {
    const a = {
      ...args,
      q: d.dense(args.q, 'fp8MqaLogits.q'),
      k: d.dense(args.k, 'fp8MqaLogits.k'),
      kScale: d.dense(args.kScale, 'fp8MqaLogits.kScale'),
      weights: d.dense(args.weights, 'fp8MqaLogits.weights'),
      cuSeqLenKStart: d.dense(args.cuSeqLenKStart, 'fp8MqaLogits.cuSeqLenKStart'),
      cuSeqLenKEnd: d.dense(args.cuSeqLenKEnd, 'fp8MqaLogits.cuSeqLenKEnd'),
    };
    if (sm90MqaLogitsApplies(rt, plan, a)) return launchSm90MqaLogits(rt, plan, a, out);
    const k = kernelFrom(rt, MQA, plan.dim === 64 ? 'gk_mqa_logits_d64' : 'gk_mqa_logits_d128');
    k.launch({
      grid: [cdiv(plan.seqLenKv, MQA_BLOCK), plan.seqLen],
      block: [MQA_BLOCK],
      args: [
        addr(rt, a.q, 'fp8MqaLogits.q'),
        addr(rt, a.k, 'fp8MqaLogits.k'),
        addr(rt, a.kScale, 'fp8MqaLogits.kScale'),
        addr(rt, a.weights, 'fp8MqaLogits.weights'),
        addr(rt, a.cuSeqLenKStart, 'fp8MqaLogits.cuSeqLenKStart'),
        addr(rt, a.cuSeqLenKEnd, 'fp8MqaLogits.cuSeqLenKEnd'),
        addr(rt, out, 'fp8MqaLogits.out'),
        i32(plan.seqLenKv),
        i32(plan.heads),
        i64(out.strides[0]),
        i32(plan.cleanLogits ? 1 : 0),
        rt.status.arg('fp8MqaLogits'),
      ],
    });
  });
  return out;
};
