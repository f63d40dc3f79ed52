import type { KernelFn } from '@gemmkit/core';
import { runFp8Blocks } from './quant-fp8-blocks.js';

/** quantPerTokenFp8: 1 x groupSize blocks along K. */
export const quantPerTokenFp8: KernelFn<'quantPerTokenFp8'> = (plan, args, kctx) =>
  runFp8Blocks(kctx, 'quantPerTokenFp8', plan, args);
