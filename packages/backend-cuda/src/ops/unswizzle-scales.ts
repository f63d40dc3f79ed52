import type { KernelFn } from '@gemmkit/core';
import { outTensor, requireContiguous } from './common.js';
import { withDenseInputs } from './dense-inputs.js';
import { launchScaleTransform } from './scale-transforms.js';

/** unswizzleScales: 1-D 128x4 swizzled byte scales -> linear [rows, cols]. */
export const unswizzleScales: KernelFn<'unswizzleScales'> = (plan, args, kctx) => {
  const out = outTensor(kctx, args.out, plan.dtype, [plan.rows, plan.cols]);
  requireContiguous(out, 'unswizzleScales.out');
  // The transform reads the scales densely: strided views are gathered first.
  withDenseInputs(kctx, (d) =>
    launchScaleTransform(kctx, 'unswizzleScales', d.dense(args.scale, 'unswizzleScales.scale'), out, 1, {
      batch: 1,
      rows: plan.rows,
      cols: plan.cols,
      elem: 1,
      srcBatch: 0,
      dstBatch: 0,
      ld: 0,
    }),
  );
  return out;
};
