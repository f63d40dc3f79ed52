import type { KernelFn } from '@gemmkit/core';
import { launchQuantFp4 } from './quant-fp4.js';

/** quantMxfp4: ue8m0 shared exponent per 32 ('up' or 'ocp' rounding), e2m1 data. */
export const quantMxfp4: KernelFn<'quantMxfp4'> = (plan, args, kctx) => {
  const { data, scale } = launchQuantFp4(kctx, {
    op: 'quantMxfp4',
    plan,
    x: args.x,
    out: args.out,
    outScale: args.outScale,
    nvfp4: false,
    eps: 0,
    mxRounding: plan.rounding === 'ocp' ? 1 : 0,
  });
  return {
    data,
    scale: { tensor: scale, granularity: [1, 1, 32], major: 'K', encoding: 'ue8m0', layout: plan.layout },
  };
};
