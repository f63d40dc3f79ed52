import type { KernelFn } from '@gemmkit/core';
import { readNK } from '../dense.js';
import { gemmF64 } from '../gemm.js';
import { outputTensor, readF64, writeF64 } from '../host.js';

/** out = round_out(a·b (+ c)): exact decode, float64 accumulation, the addend joins before the one rounding. */
export const bmmFp16: KernelFn<'bmmFp16'> = (plan, args, kctx) => {
  const { batch, m, n, k } = plan;
  const out = outputTensor(kctx, args.out, plan.outDtype, plan.outShape);
  const a = readF64(args.a);
  const b = readNK(args.b);
  const acc = new Float64Array(batch * m * n);
  for (let z = 0; z < batch; z++) gemmF64(a, z * m * k, b, z * n * k, m, n, k, acc, z * m * n);
  if (args.c) {
    const c = readF64(args.c);
    for (let i = 0; i < acc.length; i++) acc[i] += c[i];
  }
  writeF64(out, acc);
  return out;
};
