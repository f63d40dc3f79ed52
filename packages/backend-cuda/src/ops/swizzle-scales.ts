import type { KernelFn } from '@gemmkit/core';
import { outTensor, requireContiguous } from './common.js';
import { withDenseInputs } from './dense-inputs.js';
import { launchScaleTransform } from './scale-transforms.js';

/** swizzleScales: linear byte scales [.., R, C] -> 1-D 128x4 swizzled layout (padding 0). */
export const swizzleScales: KernelFn<'swizzleScales'> = (plan, args, kctx) => {
  const out = outTensor(kctx, args.out, plan.dtype, [plan.size]);
  requireContiguous(out, 'swizzleScales.out');
  // The transform reads the scales densely: strided views are gathered first.
  withDenseInputs(kctx, (d) =>
    launchScaleTransform(kctx, 'swizzleScales', d.dense(args.scale, 'swizzleScales.scale'), out, 0, {
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
