import type { KernelFn } from '@gemmkit/core';
import { outputTensor } from '../host.js';
import { raiseIndexStatus } from './grouped-common.js';
import { maskedGroupedFp8 } from './masked-grouped-fp8.js';

/** FlashInfer's masked batched FP8 GEMM: rows < maskedM[i] of each group, 1x128 A and 128x128 B scales. */
export const batchDeepgemmFp8NtGroupwise: KernelFn<'batchDeepgemmFp8NtGroupwise'> = (plan, args, kctx) => {
  const out = outputTensor(kctx, args.out, plan.outDtype, plan.outShape);
  const { bad } = maskedGroupedFp8(
    { groups: plan.batch, maxM: plan.m, n: plan.n, k: plan.k, gn: 128, gk: 128 },
    args.a,
    args.aScale,
    args.b,
    args.bScale,
    args.maskedM,
    out,
  );
  raiseIndexStatus('batchDeepgemmFp8NtGroupwise', 'maskedM', bad);
  return out;
};
