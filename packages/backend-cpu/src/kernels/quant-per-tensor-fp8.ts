import { encodeArray, FP8_MAX, fp8GroupScale, type KernelFn, quantizeFp8WithScale } from '@gemmkit/core';
import { outputTensor, readF64, scatterBytes } from '../host.js';

/** One scale for the whole tensor: the given one or f32(max(amax, eps)/fpMax); data = fp8(x / s). */
export const quantPerTensorFp8: KernelFn<'quantPerTensorFp8'> = (plan, args, kctx) => {
  const x = readF64(args.x);
  let s: number;
  if (args.scale) s = readF64(args.scale)[0];
  else {
    let amax = 0;
    for (let i = 0; i < x.length; i++) amax = Math.max(amax, Math.abs(x[i]));
    s = fp8GroupScale(amax, FP8_MAX[plan.outDtype], plan.eps, false);
  }
  const data = outputTensor(kctx, args.out, plan.outDtype, plan.shape);
  scatterBytes(data, quantizeFp8WithScale(x, s, plan.outDtype));
  const scale = outputTensor(kctx, args.outScale, 'f32', [1]);
  scatterBytes(scale, encodeArray('f32', [s]));
  return {
    data,
    scale: { tensor: scale, granularity: [-1, -1, -1], major: 'K', encoding: 'f32', layout: 'linear' },
  };
};
