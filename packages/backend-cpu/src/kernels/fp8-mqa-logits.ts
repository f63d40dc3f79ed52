import { decodeArray, type KernelFn } from '@gemmkit/core';
import { outputTensor, readF64, readInts } from '../host.js';
import { raiseIndexStatus, writeMaskedRow } from './grouped-common.js';
import { indexerLogit } from './indexer-logits.js';

/** Non-paged lightning indexer over keys `[start_i, end_i)` (clamped into `[0, SKv]` on bad data). */
export const fp8MqaLogits: KernelFn<'fp8MqaLogits'> = (plan, args, kctx) => {
  const { seqLen, seqLenKv, heads, dim, cleanLogits } = plan;
  const out = outputTensor(kctx, args.out, 'f32', plan.outShape);
  const q = readF64(args.q);
  const k = decodeArray('e4m3', args.k.hostBytes());
  const ks = readF64(args.kScale);
  const w = readF64(args.weights);
  const starts = readInts(args.cuSeqLenKStart);
  const ends = readInts(args.cuSeqLenKEnd);
  const values = new Float64Array(seqLenKv);
  const mask = new Uint8Array(seqLenKv);
  let bad = 0;
  for (let i = 0; i < seqLen; i++) {
    const s0 = Math.min(Math.max(starts[i], 0), seqLenKv);
    const e0 = Math.min(Math.max(ends[i], s0), seqLenKv);
    if (s0 !== starts[i] || e0 !== ends[i]) bad++;
    mask.fill(0);
    for (let j = s0; j < e0; j++) {
      values[j] = indexerLogit(q, i * heads * dim, heads, dim, k, j * dim, ks[j], w, i * heads);
      mask[j] = 1;
    }
    if (cleanLogits)
      for (let j = 0; j < seqLenKv; j++)
        if (j < s0 || j >= e0) {
          values[j] = Number.NEGATIVE_INFINITY;
          mask[j] = 1;
        }
    writeMaskedRow(out.narrow(0, i, 1), values, mask);
  }
  raiseIndexStatus('fp8MqaLogits', 'cuSeqLenKStart', bad);
  return out;
};
