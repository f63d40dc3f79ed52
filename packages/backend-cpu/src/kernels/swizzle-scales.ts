import { type KernelFn, swizzle128x4 } from '@gemmkit/core';
import { outputTensor, scatterBytes } from '../host.js';

/** Linear [R, C] bytes → 128x4 swizzled 1-D bytes (padding 0). */
export const swizzleScales: KernelFn<'swizzleScales'> = (plan, args, kctx) => {
  const out = outputTensor(kctx, args.out, plan.dtype, [plan.size]);
  scatterBytes(out, swizzle128x4(args.scale.hostBytes(), plan.rows, plan.cols));
  return out;
};
