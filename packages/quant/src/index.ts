import { dequantFp4, dequantFp8 } from './dequant.js';
import { fp4, mxfp4, nvfp4 } from './fp4.js';
import { perBlockFp8, perTensorFp8, perTokenFp8 } from './fp8.js';
import * as host from './host.js';
import { swizzle, toMnMajor, unswizzle } from './scale-layout.js';

export type { DequantOptions } from './dequant.js';
export type { Fp4Options, Fp4QuantizeOptions, Mxfp4Options } from './fp4.js';
export type { PerBlockFp8Options, PerTensorFp8Options, PerTokenFp8Options } from './fp8.js';
export type { HostFp8Options } from './host.js';
export type { RunOptions } from './options.js';
export {
  dequantFp4,
  dequantFp8,
  fp4,
  host,
  mxfp4,
  nvfp4,
  perBlockFp8,
  perTensorFp8,
  perTokenFp8,
  swizzle,
  toMnMajor,
  unswizzle,
};

/**
 * The friendly quantization API over a Context: `quant.perTokenFp8(gk, x)`, `quant.nvfp4(gk, x, g)`, ...
 * Every call runs an op through `gk.ops` (any backend); `quant.host.*` are the same quantizers on host
 * tensors with no context.
 */
export const quant = {
  perTokenFp8,
  perBlockFp8,
  perTensorFp8,
  nvfp4,
  mxfp4,
  fp4,
  dequantFp8,
  dequantFp4,
  toMnMajor,
  swizzle,
  unswizzle,
  host,
} as const;
