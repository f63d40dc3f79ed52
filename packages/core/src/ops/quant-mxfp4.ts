import type { DType } from '../dtype.js';
import { defineOp } from '../op.js';
import type { Tensor } from '../tensor.js';
import {
  checkOut,
  checkQuantInput,
  FP4_LAYOUTS,
  type Fp4Plan,
  option,
  planFp4Shapes,
  type QuantResult,
} from './quant-common.js';

export interface QuantMxfp4Args {
  /** `[..., K]` (rank >= 2) f32/f16/bf16, K a multiple of 32, any strides. */
  x: Tensor;
  /** Scale layout (default 'swizzle128x4'). */
  layout?: 'linear' | 'swizzle128x4';
  /**
   * Shared-exponent rule: 'up' (default; FlashInfer/TensorRT-LLM: smallest 2^e with 6·2^e >= amax, nothing
   * clips) or 'ocp' (OCP MX v1.0: e = floor(log2(amax)) - 2; values above 6·2^e saturate).
   */
  rounding?: 'up' | 'ocp';
  out?: Tensor;
  outScale?: Tensor;
}

export interface QuantMxfp4Plan extends Fp4Plan {
  inDtype: DType;
  rounding: 'up' | 'ocp';
}

export const quantMxfp4 = defineOp<QuantMxfp4Args, QuantMxfp4Plan, QuantResult>({
  name: 'quantMxfp4',
  doc:
    'MXFP4 quantization: per row and 32-element block, e = ceil(log2(amax/6)) (rounding "up") or ' +
    'floor(log2(amax)) - 2 ("ocp"), clamped to [-127, 127] (amax = 0 → -127); scale byte = e + 127 (ue8m0); ' +
    'data = e2m1(x / 2^e) (RNE, saturating to ±6). Dequantize: x ≈ e2m1 · 2^e. Data e2m1x2 [.., K/2] (low ' +
    "nibble = even element). Scales ue8m0 'linear' [.., K/32] or 'swizzle128x4' 1-D (same formula as quantNvfp4).",
  validate(args) {
    const op = 'quantMxfp4';
    checkQuantInput(args.x, `${op}.x`, [2, 3, 4]);
    const layout = option(args.layout, `${op}.layout`, FP4_LAYOUTS, 'swizzle128x4');
    const rounding = option(args.rounding, `${op}.rounding`, ['up', 'ocp'] as const, 'up');
    const p = planFp4Shapes(op, args.x.shape, 32, layout);
    checkOut(args.out, `${op}.out`, 'e2m1x2', p.dataShape);
    checkOut(args.outScale, `${op}.outScale`, 'ue8m0', p.scaleShape);
    return { ...p, inDtype: args.x.dtype, rounding };
  },
  flops: (p) => 2 * p.rows * p.k,
  bytes: (p) =>
    p.rows * p.k * (p.inDtype === 'f32' ? 4 : 2) +
    (p.rows * p.k) / 2 +
    p.scaleShape.reduce((a, b) => a * b, 1),
});
