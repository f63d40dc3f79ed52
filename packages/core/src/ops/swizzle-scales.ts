import { checkDtype, checkRank, checkTensor } from '../check.js';
import type { DType } from '../dtype.js';
import { defineOp } from '../op.js';
import type { Tensor } from '../tensor.js';
import { checkOut } from './quant-common.js';
import { swizzled128x4Shape } from './quant-layout.js';

export const SWIZZLE_SCALE_DTYPES: readonly DType[] = ['e4m3', 'ue8m0', 'u8'];

export interface SwizzleScalesArgs {
  /** Linear byte scales `[..., R, C]` (leading dims fold into rows), e4m3/ue8m0/u8, any strides. */
  scale: Tensor;
  out?: Tensor;
}

export interface SwizzleScalesPlan {
  rows: number;
  cols: number;
  size: number;
  dtype: DType;
}

export const swizzleScales = defineOp<SwizzleScalesArgs, SwizzleScalesPlan, Tensor>({
  name: 'swizzleScales',
  doc:
    'Linear [R, C] byte scales → the 128x4 swizzled layout, 1-D [roundup(R,128)·roundup(C,4)]: (r, c) goes to ' +
    '(r/128·Cp/4 + c/4)·512 + (r%32)·16 + ((r%128)/32)·4 + c%4 with Cp = roundup(C,4); padding bytes are 0.',
  validate(args) {
    const op = 'swizzleScales';
    checkTensor(args.scale, `${op}.scale`);
    checkDtype(args.scale, `${op}.scale`, SWIZZLE_SCALE_DTYPES);
    checkRank(args.scale, `${op}.scale`, [2, 3, 4]);
    const cols = args.scale.shape[args.scale.rank - 1];
    const rows = args.scale.shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const size = swizzled128x4Shape(rows, cols).size;
    checkOut(args.out, `${op}.out`, args.scale.dtype, [size]);
    return { rows, cols, size, dtype: args.scale.dtype };
  },
  flops: () => 0,
  bytes: (p) => p.rows * p.cols + p.size,
});
