import type {
  KernelContext,
  KernelFn,
  RaggedMMoeGemm8bitArgs,
  RaggedMMoeGemm8bitPlan,
  Tensor,
} from '@gemmkit/core';
import { MAP, MMA, SCALE, typeCode } from './codes.js';
import { addr, launchGemm, outTensor, rtOf } from './common.js';
import { withDenseInputs } from './dense-inputs.js';
import { defaultGemmParams } from './gemm-params.js';
import { launchSm90RaggedM, sm90RaggedMApplies } from './sm90/grouped-fp8-sm90.js';

const MODE = {
  per_token: MAP.raggedMToken,
  psum_expert: MAP.raggedMPsum,
  per_expert: MAP.raggedMCount,
} as const;

/**
 * raggedMMoeGemm8bit: each 128-row tile of the packed operand resolves its expert on the device (m_indices,
 * psum ends or counts); padding rows are never written. Bad ids / offsets / counts are skipped and flagged.
 * 128-row tiles divide alignmentM (128 or 256), so a tile never spans two experts.
 */
export const raggedMMoeGemm8bit: KernelFn<'raggedMMoeGemm8bit'> = (plan, given, kctx) => {
  const out = outTensor(kctx, given.out, plan.outDtype, plan.outShape);
  if (plan.m === 0) return out; // nothing to launch (either kernel)
  // raggedTokensInfo is read densely by both kernels: a strided view is gathered first.
  withDenseInputs(kctx, (d) => {
    const info = d.dense(given.raggedTokensInfo, 'raggedMMoeGemm8bit.raggedTokensInfo');
    launchDense(plan, { ...given, raggedTokensInfo: info }, kctx, out);
  });
  return out;
};

function launchDense(
  plan: RaggedMMoeGemm8bitPlan,
  args: RaggedMMoeGemm8bitArgs,
  kctx: KernelContext,
  out: Tensor,
): void {
  const rt = rtOf(kctx);
  if (sm90RaggedMApplies(rt, plan, args, out)) {
    launchSm90RaggedM(rt, plan, args, out);
    return;
  }
  const [, gn, gk] = plan.granularity;
  const p = defaultGemmParams();
  p.a = addr(rt, args.a, 'raggedMMoeGemm8bit.a');
  p.b = addr(rt, args.b, 'raggedMMoeGemm8bit.b');
  p.sa = addr(rt, args.aScale, 'raggedMMoeGemm8bit.aScale');
  p.sb = addr(rt, args.bScale, 'raggedMMoeGemm8bit.bScale');
  p.out = addr(rt, out, 'raggedMMoeGemm8bit.out');
  p.index = addr(rt, args.raggedTokensInfo, 'raggedMMoeGemm8bit.raggedTokensInfo');
  p.num_groups = plan.numExperts;
  p.align_m = plan.alignmentM;
  p.m = plan.m;
  p.n = plan.n;
  p.k = plan.k;
  p.batch = 1;
  p.map = MODE[plan.gemmMode];
  [p.a_rs, p.a_ks] = args.a.strides;
  [p.b_bs, p.b_rs, p.b_ks] = args.b.strides;
  [p.o_rs, p.o_cs] = out.strides;
  [p.sa_ms, p.sa_ks] = args.aScale.strides;
  [p.sb_bs, p.sb_ns, p.sb_ks] = args.bScale.strides;
  p.sa_gm = 1;
  p.sa_gk = gk;
  p.sb_gn = gn;
  p.sb_gk = gk;
  p.out_type = typeCode(plan.outDtype, 'raggedMMoeGemm8bit.outDtype');
  const t = typeCode(args.a.dtype, 'raggedMMoeGemm8bit.a');
  const key = {
    family: 'gemm_moe' as const,
    ta: t,
    tb: typeCode(args.b.dtype, 'raggedMMoeGemm8bit.b'),
    mma: MMA.fp8,
    cfg: 3 as const,
    scale: SCALE.promote128,
  };
  if (plan.m > 0) launchGemm(kctx, 'raggedMMoeGemm8bit', key, p, plan.m, 1, false);
}
