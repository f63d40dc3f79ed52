import type { AnyBadInputCase, AnyConformanceCase } from '../types.js';
import { bmmFp16BadInputs, bmmFp16Cases } from './bmm-fp16.js';
import { dequantFp4BadInputs, dequantFp4Cases } from './dequant-fp4.js';
import { dequantFp8BadInputs, dequantFp8Cases } from './dequant-fp8.js';
import { quantMxfp4BadInputs, quantMxfp4Cases } from './quant-mxfp4.js';
import { quantNvfp4BadInputs, quantNvfp4Cases } from './quant-nvfp4.js';
import { quantPerBlockFp8BadInputs, quantPerBlockFp8Cases } from './quant-per-block-fp8.js';
import { quantPerTensorFp8BadInputs, quantPerTensorFp8Cases } from './quant-per-tensor-fp8.js';
import { quantPerTokenFp8BadInputs, quantPerTokenFp8Cases } from './quant-per-token-fp8.js';
import { scaleToMnMajorBadInputs, scaleToMnMajorCases } from './scale-to-mn-major.js';
import { swizzleScalesBadInputs, swizzleScalesCases } from './swizzle-scales.js';
import { unswizzleScalesBadInputs, unswizzleScalesCases } from './unswizzle-scales.js';

/** Every conformance case, one file per op under `cases/`; add one spread per op. */
export const conformanceCases: readonly AnyConformanceCase[] = [
  ...bmmFp16Cases,
  ...dequantFp4Cases,
  ...dequantFp8Cases,
  ...quantMxfp4Cases,
  ...quantNvfp4Cases,
  ...quantPerBlockFp8Cases,
  ...quantPerTensorFp8Cases,
  ...quantPerTokenFp8Cases,
  ...scaleToMnMajorCases,
  ...swizzleScalesCases,
  ...unswizzleScalesCases,
];

/** Every bad-input case, one file per op under `cases/`; add one spread per op. */
export const badInputCases: readonly AnyBadInputCase[] = [
  ...bmmFp16BadInputs,
  ...dequantFp4BadInputs,
  ...dequantFp8BadInputs,
  ...quantMxfp4BadInputs,
  ...quantNvfp4BadInputs,
  ...quantPerBlockFp8BadInputs,
  ...quantPerTensorFp8BadInputs,
  ...quantPerTokenFp8BadInputs,
  ...scaleToMnMajorBadInputs,
  ...swizzleScalesBadInputs,
  ...unswizzleScalesBadInputs,
];
