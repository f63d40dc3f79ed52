import type { KernelFn } from '@gemmkit/core';
import { applyBlockScales, quantizeForOutput } from '../dense.js';
import { gemmF64 } from '../gemm.js';
import { outputTensor, readF64, writeF64 } from '../host.js';

/** Dequantize both operands exactly with their block scales, float64 GEMM, one rounding. */
export const gemmFp8NtGroupwise: KernelFn<'gemmFp8NtGroupwise'> = (plan, args, kctx) => {
  const { m, n, k } = plan;
  const [gm, gn, gk] = plan.granularity;
  const out = outputTensor(kctx, args.out, plan.outDtype, plan.outShape);
  const a = readF64(args.a);
  const b = readF64(args.b);
  // readF64 gathers the logical [rows, kBlocks] order, so K- and MN-major scales read alike.
  applyBlockScales(a, 0, m, k, readF64(args.aScale), gm, gk);
  applyBlockScales(b, 0, n, k, readF64(args.bScale), gn, gk);
  const acc = new Float64Array(m * n);
  gemmF64(a, 0, b, 0, m, n, k, acc, 0);
  writeF64(out, quantizeForOutput(acc, args.outputScale));
  return out;
};
