import {
  DEFAULT_AMAX_EPS,
  dequantizeFp8Blocks,
  type KernelFn,
  quantizeFp8Blocks,
  type Tensor,
} from '@gemmkit/core';
import { gemmF64 } from '../gemm.js';
import { outputTensor, readF64, writeF64 } from '../host.js';

/**
 * The dequantized operand `[rows, K]`: an e4m3 operand times its given scales, a bf16 operand after the
 * op's own 1x128 quantization (the quant.perTokenFp8 rule) — so every backend multiplies the same values.
 */
function operand(
  t: Tensor,
  scale: Tensor | undefined,
  rows: number,
  k: number,
  blockRows: number,
): Float64Array {
  if (t.dtype === 'e4m3')
    return dequantizeFp8Blocks(t.hostBytes(), 'e4m3', readF64(scale!), [1, rows, k], [blockRows, 128]);
  const q = quantizeFp8Blocks(readF64(t), [1, rows, k], [1, 128], {
    dtype: 'e4m3',
    ue8m0: false,
    eps: DEFAULT_AMAX_EPS,
  });
  return dequantizeFp8Blocks(q.codes, 'e4m3', q.scales, [1, rows, k], [1, 128]);
}

export const fp8BlockscaleGemm: KernelFn<'fp8BlockscaleGemm'> = (plan, args, kctx) => {
  const { m, n, k } = plan;
  const out = outputTensor(kctx, args.out, 'bf16', plan.outShape);
  const x = operand(args.input, args.inputScale, m, k, 1);
  const w = operand(args.weight, args.weightScale, n, k, plan.weightGranularity === '128x128' ? 128 : 1);
  const acc = new Float64Array(m * n);
  gemmF64(x, 0, w, 0, m, n, k, acc, 0);
  writeF64(out, acc);
  return out;
};
