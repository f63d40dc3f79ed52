import type { KernelFn } from '@gemmkit/core';
import { readNK } from '../dense.js';
import { gemmF64 } from '../gemm.js';
import { outputTensor, readF64, writeF64 } from '../host.js';

/** out = round_bf16(Σ_k a·b + bias): the bias joins the float64 sum before the one rounding. */
export const tgvGemm: KernelFn<'tgvGemm'> = (plan, args, kctx) => {
  const { m, n, k } = plan;
  const out = outputTensor(kctx, args.out, 'bf16', plan.outShape);
  const acc = new Float64Array(m * n);
  gemmF64(readF64(args.a), 0, readNK(args.b), 0, m, n, k, acc, 0);
  if (args.bias) {
    const bias = readF64(args.bias);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) acc[i * n + j] += bias[j];
  }
  writeF64(out, acc);
  return out;
};
