import type { KernelFn } from '@gemmkit/core';
import { rtOf, stridedEmpty } from './common.js';
import { withDenseInputs } from './dense-inputs.js';
import { launchScaleTransform } from './scale-transforms.js';

/** scaleToMnMajor: [.., M, G] scales -> MN-major TMA-aligned storage (padding rows zeroed when allocated here). */
export const scaleToMnMajor: KernelFn<'scaleToMnMajor'> = (plan, args, kctx) => {
  const rt = rtOf(kctx);
  const eb = plan.dtype === 'f32' ? 4 : 1;
  let out = args.out;
  if (!out) {
    out = stridedEmpty(kctx, plan.dtype, plan.shape, plan.strides, plan.storageElements);
    rt.fill(rt.tensorAddress(out, 'scaleToMnMajor.out'), 0, plan.storageElements * eb);
  }
  const r = plan.shape.length;
  const rows = plan.shape[r - 2];
  const cols = plan.shape[r - 1];
  const dst = out;
  // The transform reads the input densely (srcBatch = rows · cols): strided views are gathered first.
  withDenseInputs(kctx, (d) =>
    launchScaleTransform(kctx, 'scaleToMnMajor', d.dense(args.scale, 'scaleToMnMajor.scale'), dst, 2, {
      batch: r === 3 ? plan.shape[0] : 1,
      rows,
      cols,
      elem: eb,
      srcBatch: rows * cols,
      dstBatch: r === 3 ? dst.strides[0] : 0,
      ld: plan.rowsPadded,
    }),
  );
  return out;
};
