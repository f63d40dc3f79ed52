import type { KernelFn } from '@gemmkit/core';
import { MAP, MMA, SCALE, typeCode } from './codes.js';
import { addr, launchGemm, outTensor, pickTile, rtOf } from './common.js';
import { defaultGemmParams } from './gemm-params.js';

/** bmmFp16 on the portable half GEMM (the backend prefers cuBLASLt and falls back to this). Any strides. */
export const bmmFp16: KernelFn<'bmmFp16'> = (plan, args, kctx) => {
  const rt = rtOf(kctx);
  const out = outTensor(kctx, args.out, plan.outDtype, plan.outShape);
  const t = typeCode(plan.inDtype, 'bmmFp16.a');
  const p = defaultGemmParams();
  p.a = addr(rt, args.a, 'bmmFp16.a');
  p.b = addr(rt, args.b, 'bmmFp16.b');
  p.out = addr(rt, out, 'bmmFp16.out');
  p.c = addr(rt, args.c, 'bmmFp16.c');
  p.m = plan.m;
  p.n = plan.n;
  p.k = plan.k;
  p.batch = plan.batch;
  p.map = MAP.dense;
  [p.a_bs, p.a_rs, p.a_ks] = args.a.strides;
  // b is [B, K, N]: rows of the kernel's B are n, its k stride is b's dim-1 stride.
  [p.b_bs, p.b_ks, p.b_rs] = args.b.strides;
  [p.o_bs, p.o_rs, p.o_cs] = out.strides;
  if (args.c) [p.c_bs, p.c_rs] = args.c.strides;
  p.out_type = typeCode(plan.outDtype, 'bmmFp16.outDtype');
  p.c_type = p.out_type;
  const cfg = pickTile('half', plan.m, plan.n);
  launchGemm(
    kctx,
    'bmmFp16',
    {
      family: 'gemm_half',
      ta: t,
      tb: t,
      mma: plan.inDtype === 'f16' ? MMA.f16 : MMA.bf16,
      cfg,
      scale: SCALE.none,
    },
    p,
    plan.m,
    plan.batch,
  );
  return out;
};
