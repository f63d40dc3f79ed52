import { encodeArray, type KernelFn, nvfp4GlobalScale, quantizeNvfp4, swizzle128x4 } from '@gemmkit/core';
import { outputTensor, readF64, scatterBytes } from '../host.js';

/** NVFP4: global scale (given or 2688/amax), e4m3 scale per 16, e2m1 pairs; scales linear or swizzled. */
export const quantNvfp4: KernelFn<'quantNvfp4'> = (plan, args, kctx) => {
  const x = readF64(args.x);
  let g: number;
  if (args.globalScale) g = readF64(args.globalScale)[0];
  else {
    let amax = 0;
    for (let i = 0; i < x.length; i++) amax = Math.max(amax, Math.abs(x[i]));
    g = nvfp4GlobalScale(amax, plan.eps);
  }
  const { packed, scaleCodes } = quantizeNvfp4(x, plan.rows, plan.k, g);
  const data = outputTensor(kctx, args.out, 'e2m1x2', plan.dataShape);
  scatterBytes(data, packed);
  const scale = outputTensor(kctx, args.outScale, 'e4m3', plan.scaleShape);
  scatterBytes(
    scale,
    plan.layout === 'linear' ? scaleCodes : swizzle128x4(scaleCodes, plan.rows, plan.k / 16),
  );
  const globalScale = outputTensor(kctx, args.outGlobalScale, 'f32', [1]);
  scatterBytes(globalScale, encodeArray('f32', [g]));
  return {
    data,
    scale: { tensor: scale, granularity: [1, 1, 16], major: 'K', encoding: 'e4m3', layout: plan.layout },
    globalScale,
  };
};
