import { fail, type KernelFn } from '@gemmkit/core';
import { MAP, MMA, SCALE, typeCode } from './codes.js';
import { addr, launchGemm, outTensor, pickTile, requireContiguous, rtOf } from './common.js';
import { defaultGemmParams } from './gemm-params.js';

/**
 * segmentGemm: one grid.z slice per segment; each CTA strides over its segment's row tiles. Segment bounds
 * come from segIndptr (or prefix sums of segLens) on the device, weight ids from weightIndices; bad offsets or
 * weight ids skip the segment and raise GK_STATUS_BAD_OFFSET / BAD_WEIGHT_INDEX.
 */
export const segmentGemm: KernelFn<'segmentGemm'> = (plan, args, kctx) => {
  const rt = rtOf(kctx);
  const out = outTensor(kctx, args.out, plan.dtype, plan.outShape);
  const index = plan.useIndptr ? args.segIndptr : args.segLens;
  if (!index) return out;
  requireContiguous(index, 'segmentGemm.segIndptr');
  if (args.weightIndices) requireContiguous(args.weightIndices, 'segmentGemm.weightIndices');
  const i64 = index.dtype === 'i64';
  // Both index tensors must share one integer width (the kernel reads them alike).
  const wi = args.weightIndices;
  if (wi && wi.dtype !== index.dtype)
    fail('E_DTYPE', 'the CUDA kernel needs weightIndices in the same integer width as the segment offsets', {
      arg: 'segmentGemm.weightIndices',
      expected: index.dtype,
      actual: wi.dtype,
    });
  if (plan.batchSize === 0) return out;
  const t = typeCode(plan.dtype, 'segmentGemm.x');
  const p = defaultGemmParams();
  p.a = addr(rt, args.x, 'segmentGemm.x');
  p.b = addr(rt, args.weights, 'segmentGemm.weights');
  p.out = addr(rt, out, 'segmentGemm.out');
  p.index = addr(rt, index, 'segmentGemm.segIndptr');
  p.index2 = addr(rt, wi, 'segmentGemm.weightIndices');
  p.index_i64 = i64 ? 1 : 0;
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
  return out;
};
