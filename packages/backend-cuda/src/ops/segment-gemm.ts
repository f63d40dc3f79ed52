import type { KernelFn, Tensor } from '@gemmkit/core';
import { MAP, MMA, SCALE, typeCode } from './codes.js';
import { addr, launchGemm, outTensor, pickTile, rtOf } from './common.js';
import { DenseInputs } from './dense-inputs.js';
import { defaultGemmParams } from './gemm-params.js';
import { launchSm90Segment, sm90SegmentApplies } from './sm90/segment-gemm-sm90.js';

/**
 * segmentGemm: one grid.z slice per segment; each CTA strides over its segment's row tiles. Segment bounds
 * come from segIndptr (or prefix sums of segLens) on the device, weight ids from weightIndices; bad offsets or
 * weight ids skip the segment and raise GK_STATUS_BAD_OFFSET / BAD_WEIGHT_INDEX. The kernel reads both index
 * tensors densely in one integer width: strided views are gathered, and an i32 / i64 mix is widened to i64.
 * On Hopper (sm_90a) with TMA-ready operands the TMA + wgmma kernel of sm90/segment-gemm-sm90.ts runs instead
 * (same index handling and status bits; GEMMKIT_CUDA_SM90=0 forces this portable kernel).
 */
export const segmentGemm: KernelFn<'segmentGemm'> = (plan, args, kctx) => {
  const rt = rtOf(kctx);
  const out = outTensor(kctx, args.out, plan.dtype, plan.outShape);
  const index = plan.useIndptr ? args.segIndptr : args.segLens;
  if (!index || plan.batchSize === 0) return out;
  const indexArg = plan.useIndptr ? 'segmentGemm.segIndptr' : 'segmentGemm.segLens';
  const d = new DenseInputs(kctx);
  try {
    const [idx, wi] = indexPair(d, index, indexArg, args.weightIndices);
    if (sm90SegmentApplies(rt, plan, args)) {
      launchSm90Segment(rt, plan, args, out, {
        index: addr(rt, idx, indexArg),
        useIndptr: plan.useIndptr,
        weightIndices: addr(rt, wi, 'segmentGemm.weightIndices'),
        i64: idx.dtype === 'i64',
      });
      return out;
    }
    const t = typeCode(plan.dtype, 'segmentGemm.x');
    const p = defaultGemmParams();
    p.a = addr(rt, args.x, 'segmentGemm.x');
    p.b = addr(rt, args.weights, 'segmentGemm.weights');
    p.out = addr(rt, out, 'segmentGemm.out');
    p.index = addr(rt, idx, indexArg);
    p.index2 = addr(rt, wi, 'segmentGemm.weightIndices');
    p.index_i64 = idx.dtype === 'i64' ? 1 : 0;
    p.num_groups = plan.numWeights;
    p.m = plan.rows;
    p.n = plan.dOut;
    p.k = plan.dIn;
    p.batch = plan.batchSize;
    p.map = plan.useIndptr ? MAP.segment : MAP.segmentLens;
    [p.a_rs, p.a_ks] = args.x.strides;
    p.b_bs = args.weights.strides[0];
    if (plan.weightColumnMajor) [p.b_rs, p.b_ks] = [args.weights.strides[1], args.weights.strides[2]];
    else [p.b_ks, p.b_rs] = [args.weights.strides[1], args.weights.strides[2]];
    [p.o_rs, p.o_cs] = out.strides;
    p.out_type = t;
    const avg = Math.max(1, Math.ceil(plan.activeRows / Math.max(1, plan.batchSize)));
    const cfg = pickTile('half', avg, plan.dOut);
    launchGemm(
      kctx,
      'segmentGemm',
      {
        family: 'gemm_half',
        ta: t,
        tb: t,
        mma: plan.dtype === 'f16' ? MMA.f16 : MMA.bf16,
        cfg,
        scale: SCALE.none,
      },
      p,
      plan.rows,
      plan.batchSize,
    );
  } finally {
    d.release(); // after the launch reading the temporaries is enqueued (stream-ordered allocator)
  }
  return out;
};

/** Dense index tensors of one width: both as given when they agree, else both i64 (i32 values widened). */
function indexPair(d: DenseInputs, index: Tensor, indexArg: string, wi: Tensor | undefined) {
  const wiArg = 'segmentGemm.weightIndices';
  if (!wi || wi.dtype === index.dtype) return [d.dense(index, indexArg), d.dense(wi, wiArg)] as const;
  return [d.denseI64(index, indexArg), d.denseI64(wi, wiArg)] as const;
}
