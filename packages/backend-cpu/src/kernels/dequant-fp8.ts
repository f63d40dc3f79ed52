import { dequantizeFp8Blocks, type KernelFn } from '@gemmkit/core';
import { outputTensor, readF64, writeF64 } from '../host.js';

/** fp8 · scale, exact in float64, one rounding to the output dtype. */
export const dequantFp8: KernelFn<'dequantFp8'> = (plan, args, kctx) => {
  const values = dequantizeFp8Blocks(
    args.x.hostBytes(),
    plan.inDtype,
    readF64(args.scale),
    [plan.batch, plan.m, plan.k],
    plan.block,
  );
  const out = outputTensor(kctx, args.out, plan.outDtype, plan.shape);
  writeF64(out, values);
  return out;
};
