import type { KernelFn } from '@gemmkit/core';
import { addr, i32, i64, kernelFrom, outTensor, requireContiguous, rtOf } from './common.js';
import { MQA } from './indexer.js';

/** getPagedMqaLogitsMetadata: the split schedule computed on the device by one block. */
export const getPagedMqaLogitsMetadata: KernelFn<'getPagedMqaLogitsMetadata'> = (plan, args, kctx) => {
  const rt = rtOf(kctx);
  const out = outTensor(kctx, args.out, 'i32', plan.outShape);
  requireContiguous(out, 'getPagedMqaLogitsMetadata.out');
  const k = kernelFrom(rt, MQA, 'gk_paged_mqa_metadata');
  k.launch({
    grid: [1],
    block: [256],
    args: [
      addr(rt, args.contextLens, 'getPagedMqaLogitsMetadata.contextLens'),
      i64(args.contextLens.strides[0] ?? 0),
      i64(plan.twoD ? args.contextLens.strides[1] : 0),
      i32(plan.batch),
      i32(plan.nextN),
      i32(plan.twoD ? 1 : 0),
      i32(plan.splitKv),
      i32(plan.numSms),
      addr(rt, out, 'getPagedMqaLogitsMetadata.out'),
      rt.status.arg('getPagedMqaLogitsMetadata'),
    ],
  });
  return out;
};
