import { type Context, fail, type Scale, type Tensor } from '@gemmkit/core';
import { blockOf, callOptions, type RunOptions } from './options.js';

export interface DequantOptions extends RunOptions {
  /** 'f32' (default), 'f16' or 'bf16'. */
  dtype?: 'f32' | 'f16' | 'bf16';
}

/** Exact FP8 dequantization of a quantizer result: `data · scale` rounded once to `dtype`. */
export function dequantFp8(
  gk: Context,
  q: { data: Tensor; scale: Scale },
  opts: DequantOptions = {},
): Tensor {
  return gk.ops.dequantFp8(
    {
      x: q.data,
      scale: q.scale.tensor,
      block: blockOf(q.scale, 'quant.dequantFp8.scale'),
      outDtype: opts.dtype,
    },
    callOptions(opts),
  );
}

/** Exact FP4 dequantization (NVFP4 with its global scale, or MXFP4): `e2m1 · sf / g`. */
export function dequantFp4(
  gk: Context,
  q: { data: Tensor; scale: Scale; globalScale?: Tensor },
  opts: DequantOptions = {},
): Tensor {
  const layout = q.scale.layout;
  if (layout !== 'linear' && layout !== 'swizzle128x4')
    fail('E_LAYOUT', 'FP4 scales are linear or swizzle128x4', {
      arg: 'quant.dequantFp4.scale.layout',
      expected: ['linear', 'swizzle128x4'],
      actual: layout,
    });
  return gk.ops.dequantFp4(
    { x: q.data, scale: q.scale.tensor, layout, globalScale: q.globalScale, outDtype: opts.dtype },
    callOptions(opts),
  );
}
