import { OP_NAMES, type OpName } from '@gemmkit/core';
import type { AnyConformanceCase } from '@gemmkit/core/conformance';
import { bmmFp8Workload } from './bmm-fp8.js';
import { bmmFp16Workload } from './bmm-fp16.js';
import { fp8BlockscaleGemmWorkload } from './fp8-blockscale-gemm.js';
import { caseWorkload } from './from-cases.js';
import { gemmFp8NtGroupwiseWorkload } from './gemm-fp8-nt-groupwise.js';
import { maskedMoeGemm8bitWorkload } from './masked-moe-gemm-8bit.js';
import { mmFp4Workload } from './mm-fp4.js';
import { mmFp8Workload } from './mm-fp8.js';
import { resolveParams } from './params.js';
import { raggedMMoeGemm8bitWorkload } from './ragged-m-moe-gemm-8bit.js';
import { tgvGemmWorkload } from './tgv-gemm.js';
import type { Params, SizePreset, Workload } from './types.js';

export {
  type Ceiling,
  ceilingFor,
  measureHostCeiling,
  rooflineFraction,
} from '../bench/ceilings.js';
export { caseWorkload } from './from-cases.js';
export { parseAssignments, resolveParams } from './params.js';
export { type BenchPreset, PRESETS } from './presets.js';
export * from './run.js';
export * from './types.js';

/** Parameterized workloads, one per op that has one. Ops without one fall back to conformance cases. */
export const workloads: Partial<Record<OpName, Workload>> = {
  gemmFp8NtGroupwise: gemmFp8NtGroupwiseWorkload as Workload,
  bmmFp8: bmmFp8Workload as Workload,
  mmFp8: mmFp8Workload as Workload,
  fp8BlockscaleGemm: fp8BlockscaleGemmWorkload as Workload,
  mmFp4: mmFp4Workload as Workload,
  bmmFp16: bmmFp16Workload as Workload,
  tgvGemm: tgvGemmWorkload as Workload,
  raggedMMoeGemm8bit: raggedMMoeGemm8bitWorkload as Workload,
  maskedMoeGemm8bit: maskedMoeGemm8bitWorkload as Workload,
};

/** The dedicated workload of an op, else one over its conformance cases (undefined if it has neither). */
export function workloadOf(op: OpName): Workload | undefined {
  return workloads[op] ?? caseWorkload(op);
}

/** Every op the apps can run: dedicated workloads first (in `workloads` order), then the case-based ones. */
export function runnableOps(): OpName[] {
  const dedicated = (Object.keys(workloads) as OpName[]).filter((o) => OP_NAMES.includes(o));
  return [...dedicated, ...OP_NAMES.filter((o) => !workloads[o] && caseWorkload(o))];
}

/**
 * The case `demo` runs for an op at `size`: its workload's (the biggest conformance case for ops without
 * a dedicated workload, so an op added to core shows up in the demo with no CLI change).
 */
export function demoCase(
  op: OpName,
  size: SizePreset,
  overrides: Record<string, string | number> = {},
): { case: AnyConformanceCase; params: Params; shape: string } | undefined {
  const w = workloadOf(op);
  if (!w) return undefined;
  const p = resolveParams(w, size, overrides);
  return { case: w.make(p) as AnyConformanceCase, params: p, shape: w.describe(p) };
}
