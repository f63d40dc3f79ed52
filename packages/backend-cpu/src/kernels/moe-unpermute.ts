import { fail, type KernelFn } from '@gemmkit/core';
import { outputTensor, readF64, readInts, writeF64 } from '../host.js';

/** Reference weighted combine: float64 accumulation in slot order, one rounding to the output dtype. */
export const moeUnpermute: KernelFn<'moeUnpermute'> = (plan, args, kctx) => {
  const { tokens: T, k, rows: M, width: H } = plan;
  const y = readF64(args.y);
  const rowOf = readInts(args.rowOf, 'moeUnpermute.rowOf');
  const w = args.topkWeights ? readF64(args.topkWeights) : null;
  const acc = new Float64Array(T * H);
  for (let t = 0; t < T; t++)
    for (let j = 0; j < k; j++) {
      const r = rowOf[t * k + j];
      if (r === -1) continue;
      if (!(r >= 0 && r < M))
        fail('E_RANGE', 'grouped row out of range', {
          arg: 'moeUnpermute.rowOf',
          expected: `-1 or [0, ${M})`,
          actual: `${r} at flat index ${t * k + j}`,
        });
      const wt = w ? w[t * k + j] : 1;
      for (let c = 0; c < H; c++) acc[t * H + c] += wt * y[r * H + c];
    }
  const out = outputTensor(kctx, args.out, plan.outDtype, [T, H]);
  writeF64(out, acc);
  return out;
};
