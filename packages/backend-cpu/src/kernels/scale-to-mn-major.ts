import type { KernelFn } from '@gemmkit/core';
import { writeScaleTensor } from './quant-fp8-blocks.js';

/** Same values, MN-major TMA-aligned storage (padding rows zero when the kernel allocates). */
export const scaleToMnMajor: KernelFn<'scaleToMnMajor'> = (plan, args, kctx) =>
  writeScaleTensor(kctx, args.out, plan.dtype, plan.shape, 'MN', args.scale.hostBytes());
