import { fail, type KernelFn } from '@gemmkit/core';
import { ENC, MAP, MMA, SCALE, T } from './codes.js';
import { addr, cdiv, launchGemm, outTensor, pickTile, rtOf } from './common.js';
import { defaultGemmParams } from './gemm-params.js';
import { launchSm90Fp4Gemm, sm90Fp4GemmApplies } from './sm90/fp4-gemm-sm90.js';

/**
 * mmFp4: NVFP4 (e4m3 per 16) / MXFP4 (ue8m0 per 32) x FP4, or W4A16 (bf16 activations). e2m1 values are
 * decoded and multiplied by their block scale while staged to shared memory (exact in bf16), then bf16 MMA
 * with f32 accumulation; alpha is read on the device in the epilogue.
 */
export const mmFp4: KernelFn<'mmFp4'> = (plan, args, kctx) => {
  const rt = rtOf(kctx);
  const out = outTensor(kctx, args.out, plan.outDtype, plan.outShape);
  // b is [K/2, N] with the packed K pairs contiguous: the kernel walks rows n with k packed contiguous.
  if (args.b.shape[0] > 1 && args.b.strides[0] !== 1)
    fail('E_LAYOUT', 'mmFp4.b needs its K pairs contiguous', {
      arg: 'mmFp4.b',
      expected: 'strides[0] = 1',
      actual: args.b.strides,
    });
  const fp4A = plan.aKind === 'fp4';
  if (fp4A && plan.k > 2 && args.a.strides[1] !== 1)
    fail('E_LAYOUT', 'mmFp4.a needs its K pairs contiguous', {
      arg: 'mmFp4.a',
      expected: 'strides[1] = 1',
      actual: args.a.strides,
    });
  if (sm90Fp4GemmApplies(rt, plan, args, out)) {
    launchSm90Fp4Gemm(rt, plan, args, out);
    return out;
  }
  const enc = plan.scaleDtype === 'e4m3' ? ENC.e4m3 : ENC.ue8m0;
  const swz = plan.scaleLayout === 'swizzle128x4' ? 1 : 0;
  const kpad = cdiv(plan.k / plan.vec, 4) * 4;
  const p = defaultGemmParams();
  p.a = addr(rt, args.a, 'mmFp4.a');
  p.b = addr(rt, args.b, 'mmFp4.b');
  p.out = addr(rt, out, 'mmFp4.out');
  p.alpha_ptr = addr(rt, args.alpha, 'mmFp4.alpha');
  if (fp4A && args.aScale) {
    p.sa = addr(rt, args.aScale, 'mmFp4.aScale');
    p.sa_enc = enc;
    p.sa_gk = plan.vec;
    p.sa_swz = swz;
    p.sa_kpad = kpad;
    if (!swz) [p.sa_ms, p.sa_ks] = args.aScale.strides;
  }
  p.sb = addr(rt, args.bScale, 'mmFp4.bScale');
  p.sb_enc = enc;
  p.sb_gk = plan.vec;
  p.sb_swz = swz;
  p.sb_kpad = kpad;
  if (!swz) [p.sb_ns, p.sb_ks] = args.bScale.strides;
  p.m = plan.m;
  p.n = plan.n;
  p.k = plan.k;
  p.batch = 1;
  p.map = MAP.dense;
  p.a_rs = args.a.strides[0];
  p.a_ks = fp4A ? 1 : args.a.strides[1];
  p.b_rs = args.b.strides[1];
  p.b_ks = 1;
  [p.o_rs, p.o_cs] = out.strides;
  p.out_type = plan.outDtype === 'f16' ? T.f16 : T.bf16;
  const key = {
    family: 'gemm_fp4' as const,
    ta: fp4A ? T.e2m1 : T.bf16,
    tb: T.e2m1,
    mma: MMA.bf16,
    cfg: pickTile('big', plan.m, plan.n),
    scale: SCALE.inline,
  };
  launchGemm(kctx, 'mmFp4', key, p, plan.m, 1);
  return out;
};
