import type { DType, Fp8BlockPlan, KernelContext, QuantResult, Shape, Tensor } from '@gemmkit/core';
import { quantFp8Blocks } from './fp8-block-quant.js';
import { bufferOf, outputOf, runtimeOf } from './launch.js';

/**
 * The scale output of a blockwise quantizer: K-major contiguous, or MN-major TMA-aligned (a transposed,
 * narrowed view over `[.., G, Mp]` storage whose padding is zero-filled), as the CPU reference builds it.
 */
export function scaleOutput(
  kctx: KernelContext,
  given: Tensor | undefined,
  dtype: DType,
  shape: Shape,
  major: 'K' | 'MN',
): Tensor {
  if (given || major === 'K') return outputOf(kctx, given, dtype, shape);
  const rank = shape.length;
  const m = shape[rank - 2];
  const g = shape[rank - 1];
  const per = dtype === 'f32' ? 4 : 16;
  const mp = Math.ceil(m / per) * per;
  const base = kctx.backend.empty(dtype, [...shape.slice(0, -2), g, mp]);
  const rt = runtimeOf(kctx);
  rt.clear(bufferOf(rt, base, 'outScale'));
  return base.transpose(-2, -1).narrow(-2, 0, m);
}

/** quantPerTokenFp8 / quantPerBlockFp8 on the device. */
export function runFp8Blocks(
  op: string,
  plan: Fp8BlockPlan,
  args: { x: Tensor; out?: Tensor; outScale?: Tensor },
  kctx: KernelContext,
): QuantResult {
  const rt = runtimeOf(kctx);
  const data = outputOf(kctx, args.out, plan.outDtype, plan.dataShape);
  const scale = scaleOutput(kctx, args.outScale, plan.scaleDtype, plan.scaleShape, plan.scaleMajor);
  quantFp8Blocks(rt, {
    op,
    x: args.x,
    batch: plan.batch,
    m: plan.m,
    k: plan.k,
    block: plan.block,
    outDtype: plan.outDtype,
    ue8m0: plan.ue8m0,
    eps: plan.eps,
    data,
    scale,
    scaleDtype: plan.scaleDtype,
  });
  const [bm, bk] = plan.block;
  return {
    data,
    scale: {
      tensor: scale,
      granularity: [bm, bm, bk],
      major: plan.scaleMajor,
      encoding: plan.scaleDtype,
      layout: plan.scaleMajor === 'MN' ? 'tma-aligned' : 'linear',
    },
  };
}
