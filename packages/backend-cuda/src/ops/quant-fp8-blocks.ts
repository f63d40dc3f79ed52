import {
  type Fp8BlockPlan,
  type KernelContext,
  mnMajorStorageElements,
  type QuantResult,
  type Tensor,
} from '@gemmkit/core';
import { outTensor, requireContiguous, rtOf, stridedEmpty } from './common.js';
import { launchQuantFp8, SCALE_ENC } from './quant-launch.js';

/**
 * Shared body of quantPerTokenFp8 / quantPerBlockFp8: one CTA per scale block derives the block's scale from
 * its amax (f32 or power-of-two ue8m0) and writes the fp8 codes (float64 quotient, one RNE rounding).
 * MN-major scales land in TMA-aligned storage whose padding rows are zeroed first.
 */
export function runFp8Blocks(
  kctx: KernelContext,
  op: string,
  plan: Fp8BlockPlan,
  args: { x: Tensor; out?: Tensor; outScale?: Tensor },
): QuantResult {
  const rt = rtOf(kctx);
  const data = outTensor(kctx, args.out, plan.outDtype, plan.dataShape);
  const eb = plan.scaleDtype === 'f32' ? 4 : 1;
  let scale = args.outScale;
  if (!scale) {
    if (plan.scaleMajor === 'MN') {
      const elems = mnMajorStorageElements(plan.scaleShape, eb);
      scale = stridedEmpty(kctx, plan.scaleDtype, plan.scaleShape, plan.scaleStrides, elems);
      rt.fill(rt.tensorAddress(scale, `${op}.outScale`), 0, elems * eb);
    } else {
      scale = kctx.backend.empty(plan.scaleDtype, plan.scaleShape);
      requireContiguous(scale, `${op}.outScale`);
    }
  }
  const s = scale.strides;
  const scaleStrides: [number, number, number] = s.length === 3 ? [s[0], s[1], s[2]] : [0, s[0], s[1]];
  if (plan.batch * plan.m * plan.k > 0)
    launchQuantFp8(kctx, op, {
      x: args.x,
      out: data,
      scale,
      scaleStrides,
      scaleEnc: SCALE_ENC(plan.scaleDtype),
      block: plan.block,
      outDtype: plan.outDtype,
      ue8m0: plan.ue8m0,
      eps: plan.eps,
      mode: 0,
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
