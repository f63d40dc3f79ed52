import type { KernelTable } from '@gemmkit/core';
import { bmmFp16 } from './bmm-fp16.js';
import { dequantFp4 } from './dequant-fp4.js';
import { dequantFp8 } from './dequant-fp8.js';
import { quantMxfp4 } from './quant-mxfp4.js';
import { quantNvfp4 } from './quant-nvfp4.js';
import { quantPerBlockFp8 } from './quant-per-block-fp8.js';
import { quantPerTensorFp8 } from './quant-per-tensor-fp8.js';
import { quantPerTokenFp8 } from './quant-per-token-fp8.js';
import { scaleToMnMajor } from './scale-to-mn-major.js';
import { swizzleScales } from './swizzle-scales.js';
import { unswizzleScales } from './unswizzle-scales.js';

/** Every CPU kernel by op name. One line per op; each kernel lives in `<op-kebab>.ts`. */
export const kernels: KernelTable = {
  dequantFp4,
  dequantFp8,
  quantMxfp4,
  quantNvfp4,
  quantPerBlockFp8,
  quantPerTensorFp8,
  quantPerTokenFp8,
  scaleToMnMajor,
  swizzleScales,
  unswizzleScales,
  bmmFp16,
};
