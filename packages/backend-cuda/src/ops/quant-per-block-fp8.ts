import type { KernelFn } from '@gemmkit/core';
import { runFp8Blocks } from './quant-fp8-blocks.js';

/** quantPerBlockFp8: blockM x blockK blocks (128 x 128 by default). */
export const quantPerBlockFp8: KernelFn<'quantPerBlockFp8'> = (plan, args, kctx) =>
  runFp8Blocks(kctx, 'quantPerBlockFp8', plan, args);
