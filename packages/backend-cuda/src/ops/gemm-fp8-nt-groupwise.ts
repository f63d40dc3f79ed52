import type { KernelFn } from '@gemmkit/core';
import { MAP, MMA, SCALE, typeCode } from './codes.js';
import { addr, launchGemm, outTensor, pickTile, rtOf } from './common.js';
import { withDenseInputs } from './dense-inputs.js';
import { defaultGemmParams } from './gemm-params.js';
import { launchSm90Fp8Gemm, sm90Fp8GemmApplies } from './sm90/fp8-gemm-sm90.js';

/**
 * gemmFp8NtGroupwise: 128-K block scales with per-block promotion. Both scale majors are read through the scale
 * tensors' own strides; granularity [1,128,128] or [128,128,128]; e4m3 output divided by outputScale.
 */
export const gemmFp8NtGroupwise: KernelFn<'gemmFp8NtGroupwise'> = (plan, args, kctx) => {
  const rt = rtOf(kctx);
  const out = outTensor(kctx, args.out, plan.outDtype, plan.outShape);
  if (sm90Fp8GemmApplies(rt, plan, out)) {
    // TMA reads A and B as dense [rows, K] boxes: a strided view is gathered first (scales are read through
    // their strides by the kernel's scale gather).
    withDenseInputs(kctx, (d) =>
      launchSm90Fp8Gemm(
        rt,
        plan,
        { ...args, a: d.dense(args.a, 'gemmFp8NtGroupwise.a'), b: d.dense(args.b, 'gemmFp8NtGroupwise.b') },
        out,
      ),
    );
    return out;
  }
  const [gm, gn, gk] = plan.granularity;
  const p = defaultGemmParams();
  p.a = addr(rt, args.a, 'gemmFp8NtGroupwise.a');
  p.b = addr(rt, args.b, 'gemmFp8NtGroupwise.b');
  p.out = addr(rt, out, 'gemmFp8NtGroupwise.out');
  p.sa = addr(rt, args.aScale, 'gemmFp8NtGroupwise.aScale');
  p.sb = addr(rt, args.bScale, 'gemmFp8NtGroupwise.bScale');
  p.out_scale = addr(rt, args.outputScale, 'gemmFp8NtGroupwise.outputScale');
  [p.sa_ms, p.sa_ks] = args.aScale.strides;
  [p.sb_ns, p.sb_ks] = args.bScale.strides;
  p.sa_gm = gm;
  p.sa_gk = gk;
  p.sb_gn = gn;
  p.sb_gk = gk;
  p.m = plan.m;
  p.n = plan.n;
  p.k = plan.k;
  p.batch = 1;
  p.map = MAP.dense;
  [p.a_rs, p.a_ks] = args.a.strides;
  [p.b_rs, p.b_ks] = args.b.strides;
  [p.o_rs, p.o_cs] = out.strides;
  p.out_type = typeCode(plan.outDtype, 'gemmFp8NtGroupwise.outDtype');
  const key = {
    family: 'gemm_fp8' as const,
    ta: typeCode(plan.aDtype, 'gemmFp8NtGroupwise.a'),
    tb: typeCode(plan.bDtype, 'gemmFp8NtGroupwise.b'),
    mma: MMA.fp8,
    cfg: pickTile('promote', plan.m, plan.n),
    scale: SCALE.promote128,
  };
  launchGemm(kctx, 'gemmFp8NtGroupwise', key, p, plan.m, 1);
  return out;
};
