import type { KernelFn } from '@gemmkit/core';
import { runFp8Blocks } from './quant-fp8-blocks.js';

/** 1xG groups along K. */
export const quantPerTokenFp8: KernelFn<'quantPerTokenFp8'> = (plan, args, kctx) =>
  runFp8Blocks('quantPerTokenFp8', plan, args, kctx);
