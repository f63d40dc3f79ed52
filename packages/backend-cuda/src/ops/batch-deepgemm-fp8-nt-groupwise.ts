import type { KernelFn } from '@gemmkit/core';
import { outTensor } from './common.js';
import { launchMasked } from './masked-gemm.js';

/** batchDeepgemmFp8NtGroupwise: the masked grouped GEMM with (1, 128, 128) scales and no signal. */
export const batchDeepgemmFp8NtGroupwise: KernelFn<'batchDeepgemmFp8NtGroupwise'> = (plan, args, kctx) => {
  const out = outTensor(kctx, args.out, plan.outDtype, plan.outShape);
  launchMasked(kctx, {
    op: 'batchDeepgemmFp8NtGroupwise',
    a: args.a,
    b: args.b,
    aScale: args.aScale,
    bScale: args.bScale,
    maskedM: args.maskedM,
    out,
    granularity: [1, 128, 128],
    experts: plan.batch,
    maxM: plan.m,
    n: plan.n,
    k: plan.k,
    expectM: plan.expectedM,
  });
  return out;
};
