import type { KernelFn } from '@gemmkit/core';
import { outputOf, runtimeOf } from './launch.js';
import { launchMap } from './map-launch.js';
import { scheduleWgsl } from './mqa-schedule.js';
import { Params } from './params.js';

/** The `[numSms + 1, 2]` work split of the paged indexer, one invocation per row. */
export const getPagedMqaLogitsMetadata: KernelFn<'getPagedMqaLogitsMetadata'> = (plan, args, kctx) => {
  const rt = runtimeOf(kctx);
  const out = outputOf(kctx, args.out, 'i32', plan.outShape);
  const p = new Params();
  const sched = scheduleWgsl(
    p,
    args.contextLens,
    plan.batch,
    plan.nextN,
    plan.twoD,
    plan.splitKv,
    plan.numSms,
  );
  const O = p.tensor(out);
  launchMap(rt, {
    op: 'getPagedMqaLogitsMetadata',
    operands: [
      { name: 'CL', t: args.contextLens, arg: 'getPagedMqaLogitsMetadata.contextLens' },
      { name: 'O', t: out, arg: 'getPagedMqaLogitsMetadata.out', write: true },
    ],
    params: p,
    body: `${sched}
fn item(i: u32) {
  let r = sched_row(i);
  O[${O.at('i', '0u')}] = r.x;
  O[${O.at('i', '1u')}] = r.y;
}`,
    count: plan.numSms + 1,
  });
  return out;
};
