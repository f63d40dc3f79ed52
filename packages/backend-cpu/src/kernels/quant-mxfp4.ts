import { type KernelFn, quantizeMxfp4, swizzle128x4 } from '@gemmkit/core';
import { outputTensor, readF64, scatterBytes } from '../host.js';

/** MXFP4: ue8m0 exponent per 32 ('up' or 'ocp' rule), e2m1 pairs; scales linear or swizzled. */
export const quantMxfp4: KernelFn<'quantMxfp4'> = (plan, args, kctx) => {
  const { packed, scaleCodes } = quantizeMxfp4(readF64(args.x), plan.rows, plan.k, plan.rounding);
  const data = outputTensor(kctx, args.out, 'e2m1x2', plan.dataShape);
  scatterBytes(data, packed);
  const scale = outputTensor(kctx, args.outScale, 'ue8m0', plan.scaleShape);
  scatterBytes(
    scale,
    plan.layout === 'linear' ? scaleCodes : swizzle128x4(scaleCodes, plan.rows, plan.k / 32),
  );
  return {
    data,
    scale: { tensor: scale, granularity: [1, 1, 32], major: 'K', encoding: 'ue8m0', layout: plan.layout },
  };
};
