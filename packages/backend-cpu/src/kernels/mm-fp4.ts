import { fp4ScaleIndex, type KernelFn, type Tensor } from '@gemmkit/core';
import { readNK } from '../dense.js';
import { gemmF64 } from '../gemm.js';
import { outputTensor, readF64, writeF64 } from '../host.js';

/** Multiply `[rows, K]` FP4 values in place by their block scales read through the layout formula. */
function scaleFp4(
  v: Float64Array,
  rows: number,
  k: number,
  vec: number,
  scale: Tensor,
  shape: [number, number],
  layout: 'swizzle128x4' | 'linear',
): void {
  const s = readF64(scale); // contiguous storage order: exactly the bytes the layout formula indexes
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < k; c++) v[r * k + c] *= s[fp4ScaleIndex(r, Math.floor(c / vec), shape, layout)];
}

/** out = round_out(alpha · Σ_k â·b̂) with exactly dequantized FP4 operands (W4A16: â = bf16 a). */
export const mmFp4: KernelFn<'mmFp4'> = (plan, args, kctx) => {
  const { m, n, k, vec, scaleLayout } = plan;
  const out = outputTensor(kctx, args.out, plan.outDtype, plan.outShape);
  const a = readF64(args.a);
  if (plan.aKind === 'fp4') scaleFp4(a, m, k, vec, args.aScale!, plan.aScaleShape, scaleLayout);
  const b = readNK(args.b);
  scaleFp4(b, n, k, vec, args.bScale, plan.bScaleShape, scaleLayout);
  const acc = new Float64Array(m * n);
  gemmF64(a, 0, b, 0, m, n, k, acc, 0);
  if (args.alpha) {
    const alpha = readF64(args.alpha)[0];
    for (let i = 0; i < acc.length; i++) acc[i] *= alpha;
  }
  writeF64(out, acc);
  return out;
};
