import {
  type DType,
  encodeArray,
  type Fp8BlockPlan,
  type KernelContext,
  type QuantResult,
  quantizeFp8Blocks,
  type Tensor,
} from '@gemmkit/core';
import { outputTensor, readF64, scatterBytes } from '../host.js';

/**
 * Scale output tensor for `plan`: K-major contiguous, or MN-major TMA-aligned (a transposed, narrowed view
 * over `[.., G, Mp]` storage whose padding rows are zero-filled).
 */
export function writeScaleTensor(
  kctx: KernelContext,
  given: Tensor | undefined,
  dtype: DType,
  shape: readonly number[],
  major: 'K' | 'MN',
  bytes: Uint8Array,
): Tensor {
  if (given || major === 'K') {
    const t = outputTensor(kctx, given, dtype, shape);
    scatterBytes(t, bytes);
    return t;
  }
  const rank = shape.length;
  const m = shape[rank - 2];
  const g = shape[rank - 1];
  const eb = dtype === 'f32' ? 4 : 1;
  const mp = Math.ceil(m / (16 / eb)) * (16 / eb);
  const batch = rank === 3 ? shape[0] : 1;
  const padded = new Uint8Array(batch * g * mp * eb);
  for (let b = 0; b < batch; b++)
    for (let r = 0; r < m; r++)
      for (let c = 0; c < g; c++) {
        const src = ((b * m + r) * g + c) * eb;
        const dst = ((b * g + c) * mp + r) * eb;
        for (let i = 0; i < eb; i++) padded[dst + i] = bytes[src + i];
      }
  const storageShape = [...shape.slice(0, -2), g, mp];
  const base = kctx.backend.empty(dtype, storageShape);
  scatterBytes(base, padded);
  return base.transpose(-2, -1).narrow(-2, 0, m);
}

/** Shared body of quantPerTokenFp8 / quantPerBlockFp8: host reference over the decoded input. */
export function runFp8Blocks(
  plan: Fp8BlockPlan,
  args: { x: Tensor; out?: Tensor; outScale?: Tensor },
  kctx: KernelContext,
): QuantResult {
  const x = readF64(args.x);
  const { codes, scales } = quantizeFp8Blocks(x, [plan.batch, plan.m, plan.k], plan.block, {
    dtype: plan.outDtype,
    ue8m0: plan.ue8m0,
    eps: plan.eps,
  });
  const data = outputTensor(kctx, args.out, plan.outDtype, plan.dataShape);
  scatterBytes(data, codes);
  const scaleBytes = encodeArray(plan.scaleDtype, scales, { round: 'up' });
  const scale = writeScaleTensor(
    kctx,
    args.outScale,
    plan.scaleDtype,
    plan.scaleShape,
    plan.scaleMajor,
    scaleBytes,
  );
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
