import { type KernelFn, SIGNAL_BLOCK_M } from '@gemmkit/core';
import { outputTensor, readInts } from '../host.js';
import { raiseIndexStatus, writeI32 } from './grouped-common.js';
import { maskedGroupedFp8 } from './masked-grouped-fp8.js';

/** N tile of the CPU backend: the overlap threshold it reports is ceil(N / 128). */
const CPU_BLOCK_N = 128;

/**
 * Masked MoE GEMM. With overlap the CPU has no concurrent consumer, so it adds each block's final count
 * (`threshold` stored N tiles) to the counters of (expert, 64-row block)s that hold rows, after their rows
 * are stored — the same end state as the device kernels' per-tile increments.
 */
export const maskedMoeGemm8bit: KernelFn<'maskedMoeGemm8bit'> = (plan, args, kctx) => {
  const { numExperts, maxM, n, k, granularity } = plan;
  const out = outputTensor(kctx, args.out, plan.outDtype, plan.outShape);
  const { rows, bad } = maskedGroupedFp8(
    { groups: numExperts, maxM, n, k, gn: granularity[1], gk: granularity[2] },
    args.a,
    args.aScale,
    args.b,
    args.bScale,
    args.maskedM,
    out,
  );
  if (!plan.enableOverlap) {
    raiseIndexStatus('maskedMoeGemm8bit', 'maskedM', bad);
    return out;
  }
  const threshold = Math.ceil(n / CPU_BLOCK_N);
  const blocks = plan.signalBlocks;
  let signal = args.signal;
  const counters = new Int32Array(numExperts * blocks);
  if (signal) counters.set(readInts(signal));
  else signal = kctx.backend.empty('i32', [numExperts * blocks]);
  for (let e = 0; e < numExperts; e++)
    for (let j = 0; j * SIGNAL_BLOCK_M < rows[e]; j++) counters[e * blocks + j] += threshold;
  writeI32(signal, counters);
  raiseIndexStatus('maskedMoeGemm8bit', 'maskedM', bad);
  return { out, signal, blockM: SIGNAL_BLOCK_M, threshold };
};
