import type { KernelFn } from '@gemmkit/core';
import { MAP, MMA, SCALE, T, typeCode } from './codes.js';
import { addr, launchGemm, pickTile, rtOf } from './common.js';
import { withDenseInputs } from './dense-inputs.js';
import { defaultGemmParams } from './gemm-params.js';
import { launchSm90RaggedK, sm90RaggedKApplies } from './sm90/ragged-k-sm90.js';

/**
 * raggedKMoeGemm8bit: grid.z = expert; each expert's K range [s_e, s_e + c_e) comes from the counts on the
 * device; out[e] (f32) += A_e^T B_e with (1, 1, 128) scales promoted per 128-row K block. A / B may be M/N- or
 * K-major (read through their strides). Counts that overflow kTotal are clamped and flagged.
 */
export const raggedKMoeGemm8bit: KernelFn<'raggedKMoeGemm8bit'> = (plan, args, kctx) => {
  const rt = rtOf(kctx);
  const out = args.out;
  // Hopper: the sm90 FP8 GEMM family (MODE 3, TMA + wgmma); the portable kernel below stays the fallback.
  if (sm90RaggedKApplies(rt, plan, args)) {
    launchSm90RaggedK(rt, plan, args);
    return out;
  }
  const p = defaultGemmParams();
  p.a = addr(rt, args.a, 'raggedKMoeGemm8bit.a');
  p.b = addr(rt, args.b, 'raggedKMoeGemm8bit.b');
  p.sa = addr(rt, args.aScale, 'raggedKMoeGemm8bit.aScale');
  p.sb = addr(rt, args.bScale, 'raggedKMoeGemm8bit.bScale');
  p.out = addr(rt, out, 'raggedKMoeGemm8bit.out');
  p.num_groups = plan.numExperts;
  p.accumulate = 1;
  p.m = plan.m;
  p.n = plan.n;
  p.k = plan.kTotal;
  p.batch = plan.numExperts;
  p.map = MAP.raggedK;
  // a is [K, M]: kernel rows are m (dim 1), its k stride is dim 0.
  [p.a_ks, p.a_rs] = args.a.strides;
  [p.b_ks, p.b_rs] = args.b.strides;
  [p.o_bs, p.o_rs, p.o_cs] = out.strides;
  [p.sa_ks, p.sa_ms] = args.aScale.strides;
  [p.sb_ks, p.sb_ns] = args.bScale.strides;
  p.sa_gm = 1;
  p.sa_gk = 128;
  p.sb_gn = 1;
  p.sb_gk = 128;
  p.out_type = T.f32;
  const key = {
    family: 'gemm_moe' as const,
    ta: typeCode(args.a.dtype, 'raggedKMoeGemm8bit.a'),
    tb: typeCode(args.b.dtype, 'raggedKMoeGemm8bit.b'),
    mma: MMA.fp8,
    cfg: pickTile('moe', plan.m, plan.n),
    scale: SCALE.promote128,
  };
  if (plan.numExperts > 0 && plan.m > 0 && plan.n > 0)
    // The counts are read densely: a strided view is gathered first.
    withDenseInputs(kctx, (d) => {
      const info = d.dense(args.raggedTokensInfo, 'raggedKMoeGemm8bit.raggedTokensInfo');
      p.index = addr(rt, info, 'raggedKMoeGemm8bit.raggedTokensInfo');
      launchGemm(kctx, 'raggedKMoeGemm8bit', key, p, plan.m, plan.numExperts);
    });
  return out;
};
