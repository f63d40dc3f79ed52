import { fail, type KernelFn, Tensor } from '@gemmkit/core';
import { ENC } from './codes.js';
import { outTensor, requireContiguous } from './common.js';
import { withDenseInputs } from './dense-inputs.js';
import { flat2 } from './flat.js';
import { launchAmax, launchQuantFp8, rowsView } from './quant-launch.js';

/** quantPerTensorFp8: the given scale, or f32(max(amax, eps)/fpMax) from a device amax pass; then fp8(x / s). */
export const quantPerTensorFp8: KernelFn<'quantPerTensorFp8'> = (plan, args, kctx) => {
  const data = outTensor(kctx, args.out, plan.outDtype, plan.shape);
  requireContiguous(data, 'quantPerTensorFp8.out');
  const scale = outTensor(kctx, args.outScale, 'f32', [1]);
  if (plan.staticScale && !args.scale)
    fail('E_SHAPE', 'static scale missing', { arg: 'quantPerTensorFp8.scale' });
  // Both passes read x as [rows, last] through one row stride: other layouts are gathered once, first.
  withDenseInputs(kctx, (d) => {
    const x = rowsView(d, args.x, 'quantPerTensorFp8');
    const f = flat2(x, 'quantPerTensorFp8');
    // Rank-agnostic [1, rows, k] views of x and of the (contiguous) output.
    const x3 = new Tensor(x.dtype, [1, f.rows, f.k], x.storage, [0, f.rs, f.ks], x.offset);
    const o3 = new Tensor(data.dtype, [1, f.rows, f.k], data.storage, [0, f.k, 1], data.offset);
    const amax = plan.staticScale ? undefined : launchAmax(kctx, 'quantPerTensorFp8', x);
    launchQuantFp8(kctx, 'quantPerTensorFp8', {
      x: x3,
      out: o3,
      scale,
      scaleStrides: [0, 0, 0],
      scaleEnc: ENC.f32,
      block: [f.rows, f.k],
      outDtype: plan.outDtype,
      ue8m0: false,
      eps: plan.eps,
      mode: plan.staticScale ? 1 : 2,
      scaleIn: args.scale,
      amax: amax?.ptr,
    });
    amax?.word.dispose();
  });
  return {
    data,
    scale: { tensor: scale, granularity: [-1, -1, -1], major: 'K', encoding: 'f32', layout: 'linear' },
  };
};
