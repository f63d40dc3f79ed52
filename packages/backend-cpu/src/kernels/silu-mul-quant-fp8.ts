import { encodeArray, type KernelFn, quantizeFp8Blocks } from '@gemmkit/core';
import { outputTensor, readF64, readInts, scatterBytes } from '../host.js';

/** Reference SwiGLU + 1xG FP8 quantization: y in float64 (unrounded), then quantizeFp8Blocks on y. */
export const siluMulQuantFp8: KernelFn<'siluMulQuantFp8'> = (plan, args, kctx) => {
  const { m, inter: I, groupSize: G, groups } = plan;
  const x = readF64(args.x);
  const ids = args.mIndices ? readInts(args.mIndices, 'siluMulQuantFp8.mIndices') : null;
  const y = new Float64Array(m * I);
  for (let r = 0; r < m; r++)
    for (let c = 0; c < I; c++) {
      if (ids && ids[r] < 0) continue; // padding row: y = 0 gives code 0; its scale is zeroed below
      const g = x[r * 2 * I + c];
      y[r * I + c] = (g / (1 + Math.exp(-g))) * x[r * 2 * I + I + c];
    }
  const { codes, scales } = quantizeFp8Blocks(y, [1, m, I], [1, G], {
    dtype: plan.outDtype,
    ue8m0: plan.ue8m0,
    eps: plan.eps,
  });
  if (ids) for (let r = 0; r < m; r++) if (ids[r] < 0) scales.fill(0, r * groups, (r + 1) * groups);
  const data = outputTensor(kctx, args.out, plan.outDtype, [m, I]);
  scatterBytes(data, codes);
  const scale = outputTensor(kctx, args.outScale, 'f32', [m, groups]);
  scatterBytes(scale, encodeArray('f32', scales));
  return {
    data,
    scale: { tensor: scale, granularity: [1, 1, G], major: 'K', encoding: 'f32', layout: 'linear' },
  };
};
