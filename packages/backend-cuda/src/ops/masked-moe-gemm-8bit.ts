import type { KernelFn, Tensor } from '@gemmkit/core';
import { cdiv, outTensor, rtOf } from './common.js';
import { launchMasked } from './masked-gemm.js';

/** maskedMoeGemm8bit (+ single-batch-overlap signal: threshold = ceil(N / blockN) of the tile used). */
export const maskedMoeGemm8bit: KernelFn<'maskedMoeGemm8bit'> = (plan, args, kctx) => {
  const out = outTensor(kctx, args.out, plan.outDtype, plan.outShape);
  let signal: Tensor | undefined;
  if (plan.enableOverlap) {
    signal = args.signal;
    if (!signal) {
      signal = kctx.backend.empty('i32', [plan.numExperts * plan.signalBlocks]);
      const rt = rtOf(kctx);
      rt.fill(
        rt.tensorAddress(signal, 'maskedMoeGemm8bit.signal'),
        0,
        plan.numExperts * plan.signalBlocks * 4,
      );
    }
  }
  const blockN = launchMasked(kctx, {
    op: 'maskedMoeGemm8bit',
    a: args.a,
    b: args.b,
    aScale: args.aScale,
    bScale: args.bScale,
    maskedM: args.maskedM,
    out,
    granularity: plan.granularity,
    experts: plan.numExperts,
    maxM: plan.maxM,
    n: plan.n,
    k: plan.k,
    expectM: plan.expectTokens,
    signal,
  });
  if (!plan.enableOverlap || !signal) return out;
  return { out, signal, blockM: 64, threshold: cdiv(plan.n, blockN) };
};
