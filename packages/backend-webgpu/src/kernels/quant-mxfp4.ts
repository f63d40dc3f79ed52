import type { KernelFn } from '@gemmkit/core';
import { quantFp4 } from './fp4-quant.js';
import { outputOf } from './launch.js';

/** MXFP4: ue8m0 shared exponent per 32 ('up' or 'ocp' rule), e2m1 pairs. */
export const quantMxfp4: KernelFn<'quantMxfp4'> = (plan, args, kctx) => {
  const data = outputOf(kctx, args.out, 'e2m1x2', plan.dataShape);
  const scale = outputOf(kctx, args.outScale, 'ue8m0', plan.scaleShape);
  quantFp4(kctx, { op: 'quantMxfp4', plan, x: args.x, data, scale, nvfp4: null, rounding: plan.rounding });
  return {
    data,
    scale: { tensor: scale, granularity: [1, 1, 32], major: 'K', encoding: 'ue8m0', layout: plan.layout },
  };
};
