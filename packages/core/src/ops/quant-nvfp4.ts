import type { DType } from '../dtype.js';
import { defineOp } from '../op.js';
import type { Tensor } from '../tensor.js';
import {
  checkOut,
  checkQuantInput,
  checkScalarScale,
  epsOption,
  FP4_LAYOUTS,
  type Fp4Plan,
  option,
  planFp4Shapes,
  type QuantResult,
} from './quant-common.js';

export interface QuantNvfp4Args {
  /** `[..., K]` (rank >= 2) f32/f16/bf16, K a multiple of 16, any strides. */
  x: Tensor;
  /** Encode-side global scale g (f32, one element; FlashInfer's global_sf). Absent: g = f32(2688 / max(amax, eps)). */
  globalScale?: Tensor;
  /** Scale layout (default 'swizzle128x4'). */
  layout?: 'linear' | 'swizzle128x4';
  /** Lower clamp of the tensor amax when g is derived (default 1e-4). */
  eps?: number;
  out?: Tensor;
  outScale?: Tensor;
  /** f32 `[1]` receiving g. */
  outGlobalScale?: Tensor;
}

export interface QuantNvfp4Result extends QuantResult {
  /** f32 `[1]`: the encode-side global scale g; dequantize with `value = e2m1 · sf / g`. */
  readonly globalScale: Tensor;
}

export interface QuantNvfp4Plan extends Fp4Plan {
  inDtype: DType;
  eps: number;
  staticGlobalScale: boolean;
}

export const quantNvfp4 = defineOp<QuantNvfp4Args, QuantNvfp4Plan, QuantNvfp4Result>({
  name: 'quantNvfp4',
  doc:
    'NVFP4 quantization (FlashInfer fp4_quantize, sf_vec_size 16). g = globalScale, else ' +
    'g = f32(448·6 / max(amax(|x|), eps)). Per row and 16-element block b: sf = e4m3(g · amax_b / 6) ' +
    '(RNE, saturating to 448); data = e2m1(x · g / sf) computed in float64 (RNE, saturating to ±6; 0 when ' +
    'sf = 0). Dequantize: x ≈ e2m1 · sf / g. Data e2m1x2 [.., K/2] (low nibble = even element). Scales e4m3: ' +
    "'linear' [.., K/16] row-major, or 'swizzle128x4' 1-D [roundup(R,128)·roundup(K/16,4)] (R = rows over " +
    'all leading dims) with (r, kb) at (r/128·Kp/4 + kb/4)·512 + (r%32)·16 + ((r%128)/32)·4 + kb%4 and ' +
    'padding bytes 0.',
  validate(args, mode) {
    const op = 'quantNvfp4';
    checkQuantInput(args.x, `${op}.x`, [2, 3, 4]);
    const layout = option(args.layout, `${op}.layout`, FP4_LAYOUTS, 'swizzle128x4');
    const eps = epsOption(args.eps, `${op}.eps`);
    if (args.globalScale !== undefined) checkScalarScale(args.globalScale, `${op}.globalScale`, mode);
    const p = planFp4Shapes(op, args.x.shape, 16, layout);
    checkOut(args.out, `${op}.out`, 'e2m1x2', p.dataShape);
    checkOut(args.outScale, `${op}.outScale`, 'e4m3', p.scaleShape);
    checkOut(args.outGlobalScale, `${op}.outGlobalScale`, 'f32', [1]);
    return { ...p, inDtype: args.x.dtype, eps, staticGlobalScale: args.globalScale !== undefined };
  },
  flops: (p) => 3 * p.rows * p.k,
  bytes: (p) =>
    p.rows * p.k * (p.inDtype === 'f32' ? 4 : 2) +
    (p.rows * p.k) / 2 +
    p.scaleShape.reduce((a, b) => a * b, 1),
});
