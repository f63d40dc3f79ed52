import type { KernelFn } from '@gemmkit/core';
import { runFp8Blocks } from './quant-fp8-blocks.js';

/** BMxBK blocks (128x128 by default). */
export const quantPerBlockFp8: KernelFn<'quantPerBlockFp8'> = (plan, args, kctx) =>
  runFp8Blocks('quantPerBlockFp8', plan, args, kctx);
