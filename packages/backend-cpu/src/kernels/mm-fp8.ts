import type { KernelFn } from '@gemmkit/core';
import { readNK } from '../dense.js';
import { gemmF64 } from '../gemm.js';
import { outputTensor, readF64, writeF64 } from '../host.js';

/** out = round_out(alpha · Σ_k a·b), float64 sums of exact FP8 products. */
export const mmFp8: KernelFn<'mmFp8'> = (plan, args, kctx) => {
  const { m, n, k } = plan;
  const out = outputTensor(kctx, args.out, plan.outDtype, plan.outShape);
  const acc = new Float64Array(m * n);
  gemmF64(readF64(args.a), 0, readNK(args.b), 0, m, n, k, acc, 0);
  if (args.alpha) {
    const alpha = readF64(args.alpha)[0];
    for (let i = 0; i < acc.length; i++) acc[i] *= alpha;
  }
  writeF64(out, acc);
  return out;
};
