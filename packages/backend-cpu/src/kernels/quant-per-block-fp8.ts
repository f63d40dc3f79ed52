import type { KernelFn } from '@gemmkit/core';
import { runFp8Blocks } from './quant-fp8-blocks.js';

/** BMxBK blocks: host reference (quantizeFp8Blocks) over the exactly decoded input. */
export const quantPerBlockFp8: KernelFn<'quantPerBlockFp8'> = (plan, args, kctx) =>
  runFp8Blocks(plan, args, kctx);
