import { checkDtype, checkInt, checkRank, checkTensor } from '../check.js';
import type { DType } from '../dtype.js';
import { fail } from '../errors.js';
import { defineOp } from '../op.js';
import type { Tensor } from '../tensor.js';
import { checkOut } from './quant-common.js';
import { swizzled128x4Shape } from './quant-layout.js';
import { SWIZZLE_SCALE_DTYPES } from './swizzle-scales.js';

export interface UnswizzleScalesArgs {
  /** 128x4 swizzled byte scales, 1-D `[roundup(rows,128)·roundup(cols,4)]`, e4m3/ue8m0/u8. */
  scale: Tensor;
  /** Logical rows R of the linear scales. */
  rows: number;
  /** Logical columns C (scale blocks along K). */
  cols: number;
  out?: Tensor;
}

export interface UnswizzleScalesPlan {
  rows: number;
  cols: number;
  size: number;
  dtype: DType;
}

export const unswizzleScales = defineOp<UnswizzleScalesArgs, UnswizzleScalesPlan, Tensor>({
  name: 'unswizzleScales',
  doc: 'Inverse of swizzleScales: 1-D 128x4 swizzled bytes → linear [rows, cols] (padding dropped).',
  validate(args) {
    const op = 'unswizzleScales';
    checkTensor(args.scale, `${op}.scale`);
    checkDtype(args.scale, `${op}.scale`, SWIZZLE_SCALE_DTYPES);
    checkRank(args.scale, `${op}.scale`, 1);
    checkInt(args.rows, `${op}.rows`);
    checkInt(args.cols, `${op}.cols`);
    const size = swizzled128x4Shape(args.rows, args.cols).size;
    if (args.scale.shape[0] !== size)
      fail('E_SHAPE', 'swizzled scale size does not match rows and cols', {
        arg: `${op}.scale`,
        expected: [size],
        actual: args.scale.shape,
      });
    checkOut(args.out, `${op}.out`, args.scale.dtype, [args.rows, args.cols]);
    return { rows: args.rows, cols: args.cols, size, dtype: args.scale.dtype };
  },
  flops: () => 0,
  bytes: (p) => p.rows * p.cols + p.size,
});
