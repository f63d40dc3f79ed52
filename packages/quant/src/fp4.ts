import { type Context, fail, type QuantNvfp4Result, type QuantResult, type Tensor } from '@gemmkit/core';
import { callOptions, type RunOptions, scalarTensor } from './options.js';

export interface Fp4Options extends RunOptions {
  /** Scale layout: 'swizzle128x4' (default, what Blackwell FP4 GEMMs read) or 'linear'. */
  layout?: 'linear' | 'swizzle128x4';
}

/**
 * NVFP4: e2m1 pairs, an e4m3 scale per 16 values and an f32 global scale g (encode side, FlashInfer's
 * global_sf; default 448·6/amax). `x ≈ e2m1 · sf / g`.
 */
export function nvfp4(
  gk: Context,
  x: Tensor,
  globalScale?: number | Tensor,
  opts: Fp4Options & { eps?: number } = {},
): QuantNvfp4Result {
  const g =
    globalScale === undefined ? undefined : scalarTensor(gk, globalScale, 'quant.nvfp4.globalScale', opts);
  return gk.ops.quantNvfp4({ x, globalScale: g, layout: opts.layout, eps: opts.eps }, callOptions(opts));
}

export interface Mxfp4Options extends Fp4Options {
  /** 'up' (default, nothing clips) or 'ocp' (OCP MX spec exponent). */
  rounding?: 'up' | 'ocp';
}

/** MXFP4: e2m1 pairs and a ue8m0 scale per 32 values. `x ≈ e2m1 · 2^(byte-127)`. */
export function mxfp4(gk: Context, x: Tensor, opts: Mxfp4Options = {}): QuantResult {
  return gk.ops.quantMxfp4({ x, layout: opts.layout, rounding: opts.rounding }, callOptions(opts));
}

export interface Fp4QuantizeOptions extends Fp4Options {
  /** 'nvfp4' (default) or 'mxfp4'. */
  format?: 'nvfp4' | 'mxfp4';
  /** NVFP4 only. */
  globalScale?: number | Tensor;
  /** MXFP4 only. */
  rounding?: 'up' | 'ocp';
}

/** `fp4_quantize`: NVFP4 (default) or MXFP4 by `format`. */
export function fp4(
  gk: Context,
  x: Tensor,
  opts: Fp4QuantizeOptions = {},
): QuantResult & { globalScale?: Tensor } {
  const format = opts.format ?? 'nvfp4';
  if (format === 'nvfp4') return nvfp4(gk, x, opts.globalScale, opts);
  if (format !== 'mxfp4')
    fail('E_UNSUPPORTED', 'unknown FP4 format', {
      arg: 'quant.fp4.format',
      expected: ['nvfp4', 'mxfp4'],
      actual: format,
    });
  if (opts.globalScale !== undefined)
    fail('E_UNSUPPORTED', 'MXFP4 has no global scale', {
      arg: 'quant.fp4.globalScale',
      expected: 'undefined',
      actual: opts.globalScale,
    });
  return mxfp4(gk, x, opts);
}
