import type { KernelFn } from '@gemmkit/core';
import { outTensor, requireContiguous } from './common.js';
import { launchScaleTransform } from './scale-transforms.js';

/** swizzleScales: linear byte scales [.., R, C] -> 1-D 128x4 swizzled layout (padding 0). */
export const swizzleScales: KernelFn<'swizzleScales'> = (plan, args, kctx) => {
  const out = outTensor(kctx, args.out, plan.dtype, [plan.size]);
  requireContiguous(args.scale, 'swizzleScales.scale');
  requireContiguous(out, 'swizzleScales.out');
  launchScaleTransform(kctx, 'swizzleScales', args.scale, out, 0, {
    batch: 1,
    rows: plan.rows,
    cols: plan.cols,
    elem: 1,
    srcBatch: 0,
    dstBatch: 0,
    ld: 0,
  });
  return out;
};
