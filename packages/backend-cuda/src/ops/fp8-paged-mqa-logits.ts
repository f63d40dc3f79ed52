import type { KernelFn } from '@gemmkit/core';
import { addr, cdiv, i32, i64, kernelFrom, outTensor, rtOf } from './common.js';
import { withDenseInputs } from './dense-inputs.js';
import { MQA, MQA_BLOCK } from './indexer.js';
import { launchSm90PagedMqaLogits, sm90PagedMqaLogitsApplies } from './sm90/mqa-logits-sm90.js';

/**
 * fp8PagedMqaLogits: one CTA per (query row, 128 positions). Context lengths beyond maxContextLen or the block
 * table are clamped (GK_STATUS_BAD_CONTEXT_LEN); a page id outside the cache skips the position
 * (GK_STATUS_BAD_BLOCK_ID). scheduleMeta is not needed by this grid (the result never depends on it).
 */
export const fp8PagedMqaLogits: KernelFn<'fp8PagedMqaLogits'> = (plan, args, kctx) => {
  const rt = rtOf(kctx);
  const out = outTensor(kctx, args.out, 'f32', plan.outShape);
  const rows = plan.batch * plan.nextN;
  if (rows === 0 || plan.maxContextLen === 0) return out;
  // q and weights are indexed densely and blockTable rows with stride 1: other views are gathered first
  // (contextLens is read through its strides; fusedKvCache is contiguous by contract).
  withDenseInputs(kctx, (d) => {
    const bt = args.blockTable;
    const a = {
      ...args,
      q: d.dense(args.q, 'fp8PagedMqaLogits.q'),
      weights: d.dense(args.weights, 'fp8PagedMqaLogits.weights'),
      blockTable:
        plan.maxBlocks > 1 && bt.strides[1] !== 1 ? d.dense(bt, 'fp8PagedMqaLogits.blockTable') : bt,
    };
    if (sm90PagedMqaLogitsApplies(rt, plan, a)) return launchSm90PagedMqaLogits(rt, plan, a, out);
    const ctxS0 = a.contextLens.strides[0] ?? 0;
    const ctxS1 = plan.twoD ? a.contextLens.strides[1] : 0;
    const k = kernelFrom(rt, MQA, plan.dim === 64 ? 'gk_paged_mqa_logits_d64' : 'gk_paged_mqa_logits_d128');
    k.launch({
      grid: [cdiv(plan.maxContextLen, MQA_BLOCK), rows],
      block: [MQA_BLOCK],
      args: [
        addr(rt, a.q, 'fp8PagedMqaLogits.q'),
        addr(rt, a.fusedKvCache, 'fp8PagedMqaLogits.fusedKvCache'),
        addr(rt, a.weights, 'fp8PagedMqaLogits.weights'),
        addr(rt, a.contextLens, 'fp8PagedMqaLogits.contextLens'),
        i64(ctxS0),
        i64(ctxS1),
        i32(plan.twoD ? 1 : 0),
        addr(rt, a.blockTable, 'fp8PagedMqaLogits.blockTable'),
        i64(a.blockTable.strides[0]),
        i32(plan.maxBlocks),
        i32(plan.numBlocks),
        i32(plan.blockKv),
        i32(plan.nextN),
        i32(plan.heads),
        i32(plan.maxContextLen),
        addr(rt, out, 'fp8PagedMqaLogits.out'),
        i64(out.strides[0]),
        i32(plan.cleanLogits ? 1 : 0),
        rt.status.arg('fp8PagedMqaLogits'),
      ],
    });
  });
  return out;
};
