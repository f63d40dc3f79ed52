import type { KernelFn } from '@gemmkit/core';
import { outTensor, requireContiguous } from './common.js';
import { launchScaleTransform } from './scale-transforms.js';

/** unswizzleScales: 1-D 128x4 swizzled byte scales -> linear [rows, cols]. */
export const unswizzleScales: KernelFn<'unswizzleScales'> = (plan, args, kctx) => {
  const out = outTensor(kctx, args.out, plan.dtype, [plan.rows, plan.cols]);
  requireContiguous(args.scale, 'unswizzleScales.scale');
  requireContiguous(out, 'unswizzleScales.out');
  launchScaleTransform(kctx, 'unswizzleScales', args.scale, out, 1, {
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
