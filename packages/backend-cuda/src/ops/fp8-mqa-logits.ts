import type { KernelFn } from '@gemmkit/core';
import { addr, cdiv, i32, i64, kernelFrom, outTensor, requireContiguous, rtOf } from './common.js';
import { MQA, MQA_BLOCK } from './indexer.js';
import { launchSm90MqaLogits, sm90MqaLogitsApplies } from './sm90/mqa-logits-sm90.js';

/** fp8MqaLogits (non-paged lightning indexer); key ranges are clamped to [0, SKv] and flagged when bad. */
export const fp8MqaLogits: KernelFn<'fp8MqaLogits'> = (plan, args, kctx) => {
  const rt = rtOf(kctx);
  const out = outTensor(kctx, args.out, 'f32', plan.outShape);
  for (const [t, n] of [
    [args.q, 'q'],
    [args.k, 'k'],
    [args.kScale, 'kScale'],
    [args.weights, 'weights'],
    [args.cuSeqLenKStart, 'cuSeqLenKStart'],
    [args.cuSeqLenKEnd, 'cuSeqLenKEnd'],
  ] as const)
    requireContiguous(t, `fp8MqaLogits.${n}`);
  if (plan.seqLen === 0 || plan.seqLenKv === 0) return out;
  if (sm90MqaLogitsApplies(rt, plan, args)) {
    launchSm90MqaLogits(rt, plan, args, out);
    return out;
  }
  const k = kernelFrom(rt, MQA, plan.dim === 64 ? 'gk_mqa_logits_d64' : 'gk_mqa_logits_d128');
  k.launch({
    grid: [cdiv(plan.seqLenKv, MQA_BLOCK), plan.seqLen],
    block: [MQA_BLOCK],
    args: [
      addr(rt, args.q, 'fp8MqaLogits.q'),
      addr(rt, args.k, 'fp8MqaLogits.k'),
      addr(rt, args.kScale, 'fp8MqaLogits.kScale'),
      addr(rt, args.weights, 'fp8MqaLogits.weights'),
      addr(rt, args.cuSeqLenKStart, 'fp8MqaLogits.cuSeqLenKStart'),
      addr(rt, args.cuSeqLenKEnd, 'fp8MqaLogits.cuSeqLenKEnd'),
      addr(rt, out, 'fp8MqaLogits.out'),
      i32(plan.seqLenKv),
      i32(plan.heads),
      i64(out.strides[0]),
      i32(plan.cleanLogits ? 1 : 0),
      rt.status.arg('fp8MqaLogits'),
    ],
  });
  return out;
};
