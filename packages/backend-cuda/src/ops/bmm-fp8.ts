import type { KernelFn } from '@gemmkit/core';
import { MAP, MMA, SCALE, typeCode } from './codes.js';
import { addr, launchGemm, outTensor, pickTile, rtOf } from './common.js';
import { defaultGemmParams } from './gemm-params.js';

/**
 * bmmFp8 on the portable FP8 GEMM (the backend prefers cuBLASLt for per-tensor bf16/f16): scales applied in the
 * epilogue, aScale per tensor `[1]` or per row `[B, M]`; e4m3 output divided by outputScale.
 */
export const bmmFp8: KernelFn<'bmmFp8'> = (plan, args, kctx) => {
  const rt = rtOf(kctx);
  const out = outTensor(kctx, args.out, plan.outDtype, plan.outShape);
  const p = defaultGemmParams();
  p.a = addr(rt, args.a, 'bmmFp8.a');
  p.b = addr(rt, args.b, 'bmmFp8.b');
  p.out = addr(rt, out, 'bmmFp8.out');
  p.sa = addr(rt, args.aScale, 'bmmFp8.aScale');
  p.sb = addr(rt, args.bScale, 'bmmFp8.bScale');
  p.out_scale = addr(rt, args.outputScale, 'bmmFp8.outputScale');
  if (plan.rowScale) {
    // [B, M]: batch stride and one scale per row (gm = 1); constant along K.
    [p.sa_bs, p.sa_ms] = args.aScale.strides;
  }
  p.m = plan.m;
  p.n = plan.n;
  p.k = plan.k;
  p.batch = plan.batch;
  p.map = MAP.dense;
  [p.a_bs, p.a_rs, p.a_ks] = args.a.strides;
  [p.b_bs, p.b_ks, p.b_rs] = args.b.strides;
  [p.o_bs, p.o_rs, p.o_cs] = out.strides;
  p.out_type = typeCode(plan.outDtype, 'bmmFp8.outDtype');
  const key = {
    family: 'gemm_fp8' as const,
    ta: typeCode(plan.aDtype, 'bmmFp8.a'),
    tb: typeCode(plan.bDtype, 'bmmFp8.b'),
    mma: MMA.fp8,
    cfg: pickTile('big', plan.m, plan.n),
    scale: SCALE.epilogue,
  };
  launchGemm(kctx, 'bmmFp8', key, p, plan.m, plan.batch);
  return out;
};
