import type { KernelFn } from '@gemmkit/core';
import { quantFp4 } from './fp4-quant.js';
import { outputOf } from './launch.js';
import { tensorAmax } from './tensor-amax.js';

const OP = 'quantNvfp4';

/** NVFP4: global scale (given, or 2688 / max(amax, eps) from a device reduction), e4m3 per 16, e2m1 pairs. */
export const quantNvfp4: KernelFn<'quantNvfp4'> = (plan, args, kctx) => {
  const data = outputOf(kctx, args.out, 'e2m1x2', plan.dataShape);
  const scale = outputOf(kctx, args.outScale, 'e4m3', plan.scaleShape);
  const globalScale = outputOf(kctx, args.outGlobalScale, 'f32', [1]);
  const g = args.globalScale ?? tensorAmax(kctx, args.x, OP);
  quantFp4(kctx, {
    op: OP,
    plan,
    x: args.x,
    data,
    scale,
    nvfp4: { g, gFromAmax: !args.globalScale, eps: plan.eps, outG: globalScale },
  });
  if (!args.globalScale) g.dispose();
  return {
    data,
    scale: { tensor: scale, granularity: [1, 1, 16], major: 'K', encoding: 'e4m3', layout: plan.layout },
    globalScale,
  };
};
