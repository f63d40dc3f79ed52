import type { DType } from '../dtype.js';
import { defineOp } from '../op.js';
import type { Tensor } from '../tensor.js';
import {
  checkOut,
  checkQuantInput,
  checkScalarScale,
  epsOption,
  FP8_DTYPES,
  option,
  type QuantResult,
} from './quant-common.js';

export interface QuantPerTensorFp8Args {
  /** Any rank >= 1, f32/f16/bf16, any strides. */
  x: Tensor;
  /** FP8 format of the data (default 'e4m3'). */
  outDtype?: 'e4m3' | 'e5m2';
  /** Static dequantization scale (f32, one element). Absent: derived from the tensor's amax. */
  scale?: Tensor;
  /** Lower clamp of the amax (default 1e-4); only used without `scale`. */
  eps?: number;
  out?: Tensor;
  /** f32 `[1]` receiving the scale used. */
  outScale?: Tensor;
}

export interface QuantPerTensorFp8Plan {
  numel: number;
  shape: number[];
  inDtype: DType;
  outDtype: 'e4m3' | 'e5m2';
  eps: number;
  staticScale: boolean;
}

export const quantPerTensorFp8 = defineOp<QuantPerTensorFp8Args, QuantPerTensorFp8Plan, QuantResult>({
  name: 'quantPerTensorFp8',
  doc:
    'Per-tensor FP8 quantization (as for bmmFp8/mmFp8). s = the given `scale`, else ' +
    's = f32(max(amax(|x|), eps) / fpMax) with fpMax 448 (e4m3) or 57344 (e5m2). data = round_to_fp8(x / s) ' +
    'computed in float64, RNE, saturating to ±fpMax. Returns data (shape of x) and s as f32 [1] ' +
    '(granularity [-1,-1,-1]). Dequantize: x ≈ data · s.',
  validate(args, mode) {
    const op = 'quantPerTensorFp8';
    checkQuantInput(args.x, `${op}.x`, [1, 2, 3, 4, 5, 6]);
    const outDtype = option(args.outDtype, `${op}.outDtype`, FP8_DTYPES, 'e4m3');
    const eps = epsOption(args.eps, `${op}.eps`);
    if (args.scale !== undefined) checkScalarScale(args.scale, `${op}.scale`, mode);
    const shape = [...args.x.shape];
    checkOut(args.out, `${op}.out`, outDtype, shape);
    checkOut(args.outScale, `${op}.outScale`, 'f32', [1]);
    return {
      numel: args.x.numel,
      shape,
      inDtype: args.x.dtype,
      outDtype,
      eps,
      staticScale: args.scale !== undefined,
    };
  },
  flops: (p) => 2 * p.numel,
  bytes: (p) => p.numel * ((p.inDtype === 'f32' ? 4 : 2) + 1) + 4,
});
