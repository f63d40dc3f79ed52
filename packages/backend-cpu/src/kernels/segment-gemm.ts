import { type KernelFn, segmentRanges } from '@gemmkit/core';
import { gemmF64, transposeF64 } from '../gemm.js';
import { outputTensor, readF64, readInts } from '../host.js';
import { raiseIndexStatus, writeRows } from './grouped-common.js';

/** Segment GEMM: each segment's rows times its weight (transposed to [dOut, dIn] once per weight used). */
export const segmentGemm: KernelFn<'segmentGemm'> = (plan, args, kctx) => {
  const { rows, dIn, dOut, numWeights, batchSize } = plan;
  const out = outputTensor(kctx, args.out, plan.dtype, plan.outShape);
  const indptr = plan.useIndptr ? readInts(args.segIndptr!) : null;
  const lens = plan.useIndptr ? null : readInts(args.segLens!);
  const widx = args.weightIndices ? readInts(args.weightIndices) : null;
  const { segments, bad } = segmentRanges(batchSize, rows, numWeights, indptr, lens, widx);
  if (segments.length > 0 && dOut > 0) {
    const x = readF64(args.x);
    const w = readF64(args.weights);
    const nt = new Map<number, Float64Array>();
    for (const s of segments) {
      let wt = nt.get(s.weight);
      if (!wt) {
        const off = s.weight * dIn * dOut;
        // Stored [dOut, dIn] (column-major weight) is already the NT operand; row-major [dIn, dOut] is transposed.
        wt = plan.weightColumnMajor ? w.subarray(off, off + dIn * dOut) : transposeF64(w, off, dIn, dOut);
        nt.set(s.weight, wt);
      }
      const count = s.end - s.start;
      const acc = new Float64Array(count * dOut);
      gemmF64(x, s.start * dIn, wt, 0, count, dOut, dIn, acc, 0);
      writeRows(out, 0, s.start, count, acc);
    }
  }
  raiseIndexStatus('segmentGemm', plan.useIndptr ? 'segIndptr' : 'segLens', bad);
  return out;
};
