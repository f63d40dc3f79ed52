import { checkTensor } from '../check.js';
import { fail } from '../errors.js';
import { defineOp } from '../op.js';
import type { Tensor } from '../tensor.js';
import {
  checkOut,
  checkScalarScale,
  FP4_LAYOUTS,
  type Fp4Plan,
  option,
  planFp4Shapes,
} from './quant-common.js';

export interface DequantFp4Args {
  /** e2m1x2 `[..., K/2]` (rank >= 2), any strides. */
  x: Tensor;
  /** e4m3 (NVFP4, one per 16 values) or ue8m0 (MXFP4, one per 32), in `layout`. */
  scale: Tensor;
  /** Layout of `scale` (default 'swizzle128x4', what the quantizers produce by default). */
  layout?: 'linear' | 'swizzle128x4';
  /** NVFP4 encode-side global scale g (f32, one element); values are divided by it. Default 1. */
  globalScale?: Tensor;
  /** Output dtype (default 'f32'). */
  outDtype?: 'f32' | 'f16' | 'bf16';
  out?: Tensor;
}

export interface DequantFp4Plan extends Fp4Plan {
  scaleDtype: 'e4m3' | 'ue8m0';
  outDtype: 'f32' | 'f16' | 'bf16';
  hasGlobalScale: boolean;
}

export const dequantFp4 = defineOp<DequantFp4Args, DequantFp4Plan, Tensor>({
  name: 'dequantFp4',
  doc:
    'FP4 dequantization: out[.., k] = round_out(e2m1(x[.., k]) · sf(row, k/block) / g) in float64, block 16 ' +
    'with e4m3 scales (NVFP4, g = globalScale or 1) or 32 with ue8m0 scales (MXFP4, no g). Nibble k&1 of byte ' +
    'k/2 (low = even). Scales read in the given layout (see quantNvfp4). Output [.., K].',
  validate(args, mode) {
    const op = 'dequantFp4';
    checkTensor(args.x, `${op}.x`);
    checkTensor(args.scale, `${op}.scale`);
    if (args.x.dtype !== 'e2m1x2')
      fail('E_DTYPE', 'expected packed FP4 data', {
        arg: `${op}.x`,
        expected: 'e2m1x2',
        actual: args.x.dtype,
      });
    if (args.x.rank < 2 || args.x.rank > 4)
      fail('E_SHAPE', 'wrong rank', { arg: `${op}.x`, expected: 'rank in [2, 4]', actual: args.x.shape });
    const scaleDtype = args.scale.dtype;
    if (scaleDtype !== 'e4m3' && scaleDtype !== 'ue8m0')
      fail('E_DTYPE', 'FP4 scales must be e4m3 (NVFP4) or ue8m0 (MXFP4)', {
        arg: `${op}.scale`,
        expected: ['e4m3', 'ue8m0'],
        actual: scaleDtype,
      });
    if (args.globalScale !== undefined) {
      if (scaleDtype !== 'e4m3')
        fail('E_UNSUPPORTED', 'a global scale belongs to NVFP4 (e4m3 scales) only', {
          arg: `${op}.globalScale`,
          expected: 'undefined for ue8m0 scales',
          actual: 'a tensor',
        });
      checkScalarScale(args.globalScale, `${op}.globalScale`, mode);
    }
    const layout = option(args.layout, `${op}.layout`, FP4_LAYOUTS, 'swizzle128x4');
    const outDtype = option(args.outDtype, `${op}.outDtype`, ['f32', 'f16', 'bf16'] as const, 'f32');
    const valueShape = [...args.x.shape];
    valueShape[valueShape.length - 1] *= 2;
    const p = planFp4Shapes(op, valueShape, scaleDtype === 'e4m3' ? 16 : 32, layout);
    if (args.scale.rank !== p.scaleShape.length || args.scale.shape.some((d, i) => d !== p.scaleShape[i]))
      fail('E_SHAPE', `scale shape does not match x for the ${layout} layout`, {
        arg: `${op}.scale`,
        expected: p.scaleShape,
        actual: args.scale.shape,
      });
    // The swizzle is a byte-offset formula over one flat buffer (as quantNvfp4 / quantMxfp4 write it).
    if (layout === 'swizzle128x4' && !args.scale.isContiguous)
      fail('E_LAYOUT', 'swizzled scales must be one contiguous buffer', {
        arg: `${op}.scale`,
        expected: 'contiguous (stride 1)',
        actual: args.scale.strides,
      });
    checkOut(args.out, `${op}.out`, outDtype, p.valueShape);
    return { ...p, scaleDtype, outDtype, hasGlobalScale: args.globalScale !== undefined };
  },
  flops: (p) => 2 * p.rows * p.k,
  bytes: (p) =>
    (p.rows * p.k) / 2 +
    p.scaleShape.reduce((a, b) => a * b, 1) +
    p.rows * p.k * (p.outDtype === 'f32' ? 4 : 2),
});
