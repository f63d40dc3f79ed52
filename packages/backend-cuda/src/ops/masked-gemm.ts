import type { KernelContext, Tensor } from '@gemmkit/core';
import { MAP, MMA, SCALE, typeCode } from './codes.js';
import { addr, launchGemm, pickTile, rtOf } from './common.js';
import { withDenseInputs } from './dense-inputs.js';
import { defaultGemmParams } from './gemm-params.js';
import { GEMM_TILES } from './instances.js';
import { launchSm90Masked, sm90MaskedApplies } from './sm90/grouped-fp8-sm90.js';

export interface MaskedLaunch {
  op: string;
  a: Tensor;
  b: Tensor;
  aScale: Tensor;
  bScale: Tensor;
  maskedM: Tensor;
  out: Tensor;
  granularity: readonly [number, number, number];
  experts: number;
  maxM: number;
  n: number;
  k: number;
  expectM: number;
  signal?: Tensor;
}

/**
 * Shared launcher of the masked grouped GEMMs (maskedMoeGemm8bit, batchDeepgemmFp8NtGroupwise): grid.z =
 * expert, rows >= maskedM[e] untouched (masked_m is clamped to [0, maxM] and flagged when outside). With a
 * signal, every stored tile increments its 64-row blocks' counters with release semantics. Returns blockN.
 */
export function launchMasked(kctx: KernelContext, given: MaskedLaunch): number {
  // maskedM is read densely by both kernels: a strided view is gathered first.
  return withDenseInputs(kctx, (d) =>
    launchMaskedDense(kctx, { ...given, maskedM: d.dense(given.maskedM, `${given.op}.maskedM`) }),
  );
}

function launchMaskedDense(kctx: KernelContext, l: MaskedLaunch): number {
  const rt = rtOf(kctx);
  if (sm90MaskedApplies(rt, l)) return launchSm90Masked(rt, l);
  const [, gn, gk] = l.granularity;
  const p = defaultGemmParams();
  p.a = addr(rt, l.a, `${l.op}.a`);
  p.b = addr(rt, l.b, `${l.op}.b`);
  p.sa = addr(rt, l.aScale, `${l.op}.aScale`);
  p.sb = addr(rt, l.bScale, `${l.op}.bScale`);
  p.out = addr(rt, l.out, `${l.op}.out`);
  p.index = addr(rt, l.maskedM, `${l.op}.maskedM`);
  p.signal = addr(rt, l.signal, `${l.op}.signal`);
  p.num_groups = l.experts;
  p.m = l.maxM;
  p.n = l.n;
  p.k = l.k;
  p.batch = l.experts;
  p.map = MAP.masked;
  [p.a_bs, p.a_rs, p.a_ks] = l.a.strides;
  [p.b_bs, p.b_rs, p.b_ks] = l.b.strides;
  [p.o_bs, p.o_rs, p.o_cs] = l.out.strides;
  [p.sa_bs, p.sa_ms, p.sa_ks] = l.aScale.strides;
  [p.sb_bs, p.sb_ns, p.sb_ks] = l.bScale.strides;
  p.sa_gm = 1;
  p.sa_gk = gk;
  p.sb_gn = gn;
  p.sb_gk = gk;
  p.out_type = typeCode(l.out.dtype, `${l.op}.out`);
  const cfg = pickTile('moe', l.expectM > 0 ? l.expectM : l.maxM, l.n);
  const key = {
    family: 'gemm_moe' as const,
    ta: typeCode(l.a.dtype, `${l.op}.a`),
    tb: typeCode(l.b.dtype, `${l.op}.b`),
    mma: MMA.fp8,
    cfg,
    scale: SCALE.promote128,
  };
  if (l.experts > 0 && l.maxM > 0 && l.n > 0) launchGemm(kctx, l.op, key, p, l.maxM, l.experts);
  return GEMM_TILES[cfg].bn;
}
