import { type KernelFn, pagedMqaSchedule, scheduleLengths } from '@gemmkit/core';
import { outputTensor, readInts } from '../host.js';
import { writeI32 } from './grouped-common.js';

/** The indexer schedule (rule in core's grouped/mqa-schedule.ts), written as `[numSms + 1, 2]` int32. */
export const getPagedMqaLogitsMetadata: KernelFn<'getPagedMqaLogitsMetadata'> = (plan, args, kctx) => {
  const out = outputTensor(kctx, args.out, 'i32', plan.outShape);
  const lens = readInts(args.contextLens);
  const lengths = scheduleLengths(lens, plan.batch, plan.nextN, plan.twoD);
  writeI32(out, pagedMqaSchedule(lengths, plan.splitKv, plan.numSms));
  return out;
};
