import { contracts, type KernelContext, type KernelFn, type Tensor } from '@gemmkit/core';
import { ENC, MAP, MMA, SCALE, T } from './codes.js';
import { addr, cdiv, launchGemm, outTensor, pickTile, rtOf } from './common.js';
import { gemmFp8NtGroupwise } from './gemm-fp8-nt-groupwise.js';
import { defaultGemmParams } from './gemm-params.js';
import { launchQuantFp8 } from './quant-launch.js';
import { sm90Fp8GemmApplies } from './sm90/fp8-gemm-sm90.js';

/** A bf16 operand quantized like quant.perTokenFp8 (1x128, e4m3, f32 scales) into temporaries. */
function quantizeInternal(kctx: KernelContext, x: Tensor, arg: string): { data: Tensor; scale: Tensor } {
  const [rows, k] = x.shape;
  const data = kctx.backend.empty('e4m3', [rows, k]);
  const scale = kctx.backend.empty('f32', [rows, cdiv(k, 128)]);
  launchQuantFp8(kctx, arg, {
    x,
    out: data,
    scale,
    scaleStrides: [0, scale.strides[0], 1],
    scaleEnc: ENC.f32,
    block: [1, 128],
    outDtype: 'e4m3',
    ue8m0: false,
    eps: 1e-4,
    mode: 0,
  });
  return { data, scale };
}

/**
 * fp8BlockscaleGemm: e4m3 x e4m3 with 1x128 input scales and 1x128 / 128x128 weight scales (promotion per
 * 128-K block). bf16 operands are first quantized on the device exactly as the contract says; with 128x128
 * weight scales the GEMM is gemmFp8NtGroupwise's (the sm90 kernel on Hopper). Temporaries are
 * released after the launch: the caching allocator reuses them in stream order only.
 */
export const fp8BlockscaleGemm: KernelFn<'fp8BlockscaleGemm'> = (plan, args, kctx) => {
  const rt = rtOf(kctx);
  const out = outTensor(kctx, args.out, 'bf16', plan.outShape);
  const temps: Tensor[] = [];
  let a = args.input;
  let sa = args.inputScale as Tensor;
  let b = args.weight;
  let sb = args.weightScale as Tensor;
  let gn = plan.weightGranularity === '128x128' ? 128 : 1;
  if (plan.inputQuant === 'internal') {
    const q = quantizeInternal(kctx, args.input, 'fp8BlockscaleGemm.input');
    a = q.data;
    sa = q.scale;
    temps.push(q.data, q.scale);
  }
  if (plan.weightQuant === 'internal') {
    const q = quantizeInternal(kctx, args.weight, 'fp8BlockscaleGemm.weight');
    b = q.data;
    sb = q.scale;
    gn = 1;
    temps.push(q.data, q.scale);
  }
  if (gn === 128) {
    // 1x128 activations × 128x128 weights: the Hopper kernel of gemmFp8NtGroupwise when it applies (its own
    // contract check on the operands as they are now, then its sm90-or-portable dispatch).
    const gArgs = {
      a,
      b,
      aScale: sa,
      bScale: sb,
      scaleMajorMode: 'K' as const,
      scaleGranularityMnk: [1, 128, 128] as [number, number, number],
      out,
    };
    const gPlan = contracts.gemmFp8NtGroupwise.validate(gArgs, 'fast');
    if (sm90Fp8GemmApplies(rt, gPlan, out)) {
      gemmFp8NtGroupwise(gPlan, gArgs, kctx);
      for (const t of temps) t.dispose();
      return out;
    }
  }
  const p = defaultGemmParams();
  p.a = addr(rt, a, 'fp8BlockscaleGemm.input');
  p.b = addr(rt, b, 'fp8BlockscaleGemm.weight');
  p.sa = addr(rt, sa, 'fp8BlockscaleGemm.inputScale');
  p.sb = addr(rt, sb, 'fp8BlockscaleGemm.weightScale');
  p.out = addr(rt, out, 'fp8BlockscaleGemm.out');
  [p.sa_ms, p.sa_ks] = sa.strides;
  [p.sb_ns, p.sb_ks] = sb.strides;
  p.sa_gm = 1;
  p.sa_gk = 128;
  p.sb_gn = gn;
  p.sb_gk = 128;
  p.m = plan.m;
  p.n = plan.n;
  p.k = plan.k;
  p.batch = 1;
  p.map = MAP.dense;
  [p.a_rs, p.a_ks] = a.strides;
  [p.b_rs, p.b_ks] = b.strides;
  [p.o_rs, p.o_cs] = out.strides;
  p.out_type = T.bf16;
  const key = {
    family: 'gemm_fp8' as const,
    ta: T.e4m3,
    tb: T.e4m3,
    mma: MMA.fp8,
    cfg: pickTile('promote', plan.m, plan.n),
    scale: SCALE.promote128,
  };
  launchGemm(kctx, 'fp8BlockscaleGemm', key, p, plan.m, 1);
  for (const t of temps) t.dispose();
  return out;
};
