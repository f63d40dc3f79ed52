import { contracts, type OpName } from '@gemmkit/core';
import { type AnyConformanceCase, conformanceCases } from '@gemmkit/core/conformance';
import { bmmFp8Workload } from './bmm-fp8.js';
import { bmmFp16Workload } from './bmm-fp16.js';
import { fp8BlockscaleGemmWorkload } from './fp8-blockscale-gemm.js';
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

export function workloadOf(op: OpName): Workload | undefined {
  return workloads[op];
}

/** FLOPs of a case's problem (0 when its args do not validate). */
function flopsOf(c: AnyConformanceCase): number {
  try {
    const k = contracts[c.op] as unknown as {
      validate(a: unknown, m: string): unknown;
      flops(p: unknown): number;
    };
    return k.flops(k.validate(c.build(1), 'fast'));
  } catch {
    return -1;
  }
}

/**
 * The case `demo` runs for an op: its workload at `size`, else its biggest conformance case (so an op added
 * to core shows up in the demo with no CLI change).
 */
export function demoCase(
  op: OpName,
  size: SizePreset,
  overrides: Record<string, string | number> = {},
): { case: AnyConformanceCase; params?: Params; shape: string } | undefined {
  const w = workloads[op];
  if (w) {
    const p = resolveParams(w, size, overrides);
    return { case: w.make(p) as AnyConformanceCase, params: p, shape: w.describe(p) };
  }
  const cases = conformanceCases.filter((c) => c.op === op);
  if (cases.length === 0) return undefined;
  let best = cases[0];
  let bestFlops = flopsOf(best);
  for (const c of cases.slice(1)) {
    const f = flopsOf(c);
    if (f > bestFlops) [best, bestFlops] = [c, f];
  }
  return { case: best, shape: best.name };
}
