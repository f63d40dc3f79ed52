import type { KernelFn } from '@gemmkit/core';
import { MAP, MMA, SCALE, typeCode } from './codes.js';
import { addr, launchGemm, outTensor, pickTile, rtOf } from './common.js';
import { defaultGemmParams } from './gemm-params.js';

/** mmFp8: out = alpha · A·B on the FP8 GEMM; alpha read on the device (alpha_ptr). b is `[K, N]`, K contiguous. */
export const mmFp8: KernelFn<'mmFp8'> = (plan, args, kctx) => {
  const rt = rtOf(kctx);
  const out = outTensor(kctx, args.out, plan.outDtype, plan.outShape);
  const p = defaultGemmParams();
  p.a = addr(rt, args.a, 'mmFp8.a');
  p.b = addr(rt, args.b, 'mmFp8.b');
  p.out = addr(rt, out, 'mmFp8.out');
  p.alpha_ptr = addr(rt, args.alpha, 'mmFp8.alpha');
  p.m = plan.m;
  p.n = plan.n;
  p.k = plan.k;
  p.batch = 1;
  p.map = MAP.dense;
  [p.a_rs, p.a_ks] = args.a.strides;
  [p.b_ks, p.b_rs] = args.b.strides;
  [p.o_rs, p.o_cs] = out.strides;
  p.out_type = typeCode(plan.outDtype, 'mmFp8.outDtype');
  const key = {
    family: 'gemm_fp8' as const,
    ta: typeCode(plan.aDtype, 'mmFp8.a'),
    tb: typeCode(plan.bDtype, 'mmFp8.b'),
    mma: MMA.fp8,
    cfg: pickTile('big', plan.m, plan.n),
    scale: SCALE.epilogue,
  };
  launchGemm(kctx, 'mmFp8', key, p, plan.m, 1);
  return out;
};
