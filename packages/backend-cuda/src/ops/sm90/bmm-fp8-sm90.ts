import {
  type BmmFp8Args,
  type BmmFp8Plan,
  type GemmFp8NtGroupwisePlan,
  type KernelContext,
  Tensor,
} from '@gemmkit/core';
import type { CudaRuntime } from '../../runtime/index.js';
import { outTensor } from '../common.js';
import { withDenseInputs } from '../dense-inputs.js';
import { launchSm90Fp8Gemm } from './fp8-gemm-sm90.js';

/**
 * bmmFp8 (per-tensor or per-row scales) on the Hopper block-scaled FP8 GEMM — an opt-in route
 * (GEMMKIT_SM90_BMM_FP8=1), because on the measurements cuBLASLt is the faster one: bmmFp8 picks it.
 * The H100 table of bench/results/h100-fp8-dense-2026-12-06.json times this kernel and cuBLASLt's per-tensor
 * FP8 GEMM on the same data with device timing; cuBLASLt's took 0.43–1.0x of this kernel's time on all 36
 * shapes (M = 1 … 8192). An earlier table (2026-11-22) had this kernel 1.2–2.2x faster at M ≤ 128, K ≤ 2048,
 * but its small-M timings measured the benchmark host's launch rate, not the GPU (see bench/common/gpu_timing.py);
 * the route was written from that table. It stays for the comparison (scripts/gpu-tier-bmm-route.mjs) and for
 * GPUs where the answer may differ.
 * The per-tensor / per-row scales become block scales by broadcasting (zero strides) that the kernel's scale
 * warps read in place (one launch), so the math is the same product with an exact f32 promotion every 128 of K.
 */
export const SM90_BMM_FP8_MAX_M = 128;
export const SM90_BMM_FP8_MAX_K = 2048;

export function sm90BmmFp8Applies(rt: CudaRuntime, plan: BmmFp8Plan, args: BmmFp8Args): boolean {
  return (
    rt.switches.sm90BmmFp8 &&
    rt.device.arch === 'sm_90a' &&
    rt.switches.sm90 &&
    plan.batch === 1 &&
    plan.m > 0 &&
    plan.m <= SM90_BMM_FP8_MAX_M &&
    plan.n > 0 &&
    plan.k > 0 &&
    plan.k <= SM90_BMM_FP8_MAX_K &&
    plan.k % 16 === 0 &&
    !(plan.aDtype === 'e5m2' && plan.bDtype === 'e5m2') &&
    (args.out === undefined ||
      rt.tensorAddress(args.out, 'bmmFp8.out') % 4n === 0n ||
      plan.outDtype === 'e4m3')
  );
}

/** A 2-D view of the same storage and first element with the given element strides (0: broadcast). */
const view2d = (t: Tensor, shape: [number, number], strides: [number, number]): Tensor =>
  new Tensor(t.dtype, shape, t.storage, strides, t.offset);

export function launchSm90BmmFp8(
  rt: CudaRuntime,
  kctx: KernelContext,
  plan: BmmFp8Plan,
  args: BmmFp8Args,
): Tensor {
  const out = outTensor(kctx, args.out, plan.outDtype, plan.outShape);
  const { m, n, k } = plan;
  const kb = Math.ceil(k / 128);
  const [, asm, ask] = args.a.strides;
  const [, bsk, bsn] = args.b.strides;
  const [, osm, osn] = out.strides;
  const gPlan = {
    m,
    n,
    k,
    granularity: [1, 128, 128],
    aDtype: plan.aDtype,
    bDtype: plan.bDtype,
    outDtype: plan.outDtype,
  } as unknown as GemmFp8NtGroupwisePlan;
  const aScale = plan.rowScale
    ? view2d(args.aScale, [m, kb], [args.aScale.strides[1], 0]) // [1, M] → one scale per row, every K block
    : view2d(args.aScale, [m, kb], [0, 0]);
  const bScale = view2d(args.bScale, [Math.ceil(n / 128), kb], [0, 0]);
  withDenseInputs(kctx, (d) =>
    launchSm90Fp8Gemm(
      rt,
      gPlan,
      {
        a: d.dense(view2d(args.a, [m, k], [asm, ask]), 'bmmFp8.a'),
        b: d.dense(view2d(args.b, [n, k], [bsn, bsk]), 'bmmFp8.b'),
        aScale,
        bScale,
        outputScale: args.outputScale,
      } as never,
      view2d(out, [m, n], [osm, osn]),
    ),
  );
  return out;
}
