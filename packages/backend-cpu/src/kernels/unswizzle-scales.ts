import { type KernelFn, unswizzle128x4 } from '@gemmkit/core';
import { outputTensor, scatterBytes } from '../host.js';

/** 128x4 swizzled 1-D bytes → linear [rows, cols]. */
export const unswizzleScales: KernelFn<'unswizzleScales'> = (plan, args, kctx) => {
  const out = outputTensor(kctx, args.out, plan.dtype, [plan.rows, plan.cols]);
  scatterBytes(out, unswizzle128x4(args.scale.hostBytes(), plan.rows, plan.cols));
  return out;
};
