import { dequantizeFp4, type KernelFn, unswizzle128x4 } from '@gemmkit/core';
import { outputTensor, readF64, writeF64 } from '../host.js';

/** e2m1 · scale / g in float64, one rounding to the output dtype; swizzled scales are unswizzled first. */
export const dequantFp4: KernelFn<'dequantFp4'> = (plan, args, kctx) => {
  const cols = plan.k / plan.block;
  const raw = args.scale.hostBytes();
  const linear = plan.layout === 'linear' ? raw : unswizzle128x4(raw, plan.rows, cols);
  const g = args.globalScale ? readF64(args.globalScale)[0] : 1;
  const values = dequantizeFp4(args.x.hostBytes(), linear, plan.scaleDtype, plan.rows, plan.k, g);
  const out = outputTensor(kctx, args.out, plan.outDtype, plan.valueShape);
  writeF64(out, values);
  return out;
};
