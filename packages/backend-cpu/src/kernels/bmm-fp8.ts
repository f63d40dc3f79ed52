import type { KernelFn } from '@gemmkit/core';
import { quantizeForOutput, readNK } from '../dense.js';
import { gemmF64 } from '../gemm.js';
import { outputTensor, readF64, writeF64 } from '../host.js';

/** acc = (Σ_k a·b)·sa·sb in float64 (FP8 products are exact), then one rounding (÷ outputScale for e4m3). */
export const bmmFp8: KernelFn<'bmmFp8'> = (plan, args, kctx) => {
  const { batch, m, n, k } = plan;
  const out = outputTensor(kctx, args.out, plan.outDtype, plan.outShape);
  const a = readF64(args.a);
  const b = readNK(args.b);
  const sa = readF64(args.aScale);
  const sb = readF64(args.bScale)[0];
  const acc = new Float64Array(batch * m * n);
  for (let z = 0; z < batch; z++) gemmF64(a, z * m * k, b, z * n * k, m, n, k, acc, z * m * n);
  for (let z = 0; z < batch; z++)
    for (let i = 0; i < m; i++) {
      const s = (plan.rowScale ? sa[z * m + i] : sa[0]) * sb;
      const base = (z * m + i) * n;
      for (let j = 0; j < n; j++) acc[base + j] *= s;
    }
  writeF64(out, quantizeForOutput(acc, args.outputScale));
  return out;
};
