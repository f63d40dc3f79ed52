import type { KernelFn } from '@gemmkit/core';
import { MAP, MMA, SCALE, T } from './codes.js';
import { addr, launchGemm, outTensor, pickTile, rtOf } from './common.js';
import { defaultGemmParams } from './gemm-params.js';

/** tgvGemm: bf16 small-M GEMM with bias, on the 16-row tile when M is small. b is `[K, N]`, K contiguous. */
export const tgvGemm: KernelFn<'tgvGemm'> = (plan, args, kctx) => {
  const rt = rtOf(kctx);
  const out = outTensor(kctx, args.out, 'bf16', plan.outShape);
  const p = defaultGemmParams();
  p.a = addr(rt, args.a, 'tgvGemm.a');
  p.b = addr(rt, args.b, 'tgvGemm.b');
  p.out = addr(rt, out, 'tgvGemm.out');
  p.bias = addr(rt, args.bias, 'tgvGemm.bias');
  p.bias_type = T.bf16;
  p.m = plan.m;
  p.n = plan.n;
  p.k = plan.k;
  p.batch = 1;
  p.map = MAP.dense;
  [p.a_rs, p.a_ks] = args.a.strides;
  [p.b_ks, p.b_rs] = args.b.strides;
  [p.o_rs, p.o_cs] = out.strides;
  p.out_type = T.bf16;
  launchGemm(
    kctx,
    'tgvGemm',
    {
      family: 'gemm_half',
      ta: T.bf16,
      tb: T.bf16,
      mma: MMA.bf16,
      cfg: pickTile('half', plan.m, plan.n),
      scale: SCALE.none,
    },
    p,
    plan.m,
    1,
  );
  return out;
};
