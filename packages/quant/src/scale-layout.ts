import { type Context, fail, type Scale } from '@gemmkit/core';
import { callOptions, type RunOptions } from './options.js';

/** The same scale stored MN-major and TMA-aligned (what DeepGEMM's kernels read for A). */
export function toMnMajor(gk: Context, scale: Scale, opts: RunOptions = {}): Scale {
  if (scale.major === 'MN') return scale;
  const tensor = gk.ops.scaleToMnMajor({ scale: scale.tensor }, callOptions(opts));
  return { ...scale, tensor, major: 'MN', layout: 'tma-aligned' };
}

/** Linear byte scales (e4m3/ue8m0) → the 128x4 swizzled layout. */
export function swizzle(gk: Context, scale: Scale, opts: RunOptions = {}): Scale {
  if (scale.layout === 'swizzle128x4') return scale;
  if (scale.layout !== 'linear')
    fail('E_LAYOUT', 'only linear scales can be swizzled', {
      arg: 'quant.swizzle.scale.layout',
      expected: 'linear',
      actual: scale.layout,
    });
  return {
    ...scale,
    tensor: gk.ops.swizzleScales({ scale: scale.tensor }, callOptions(opts)),
    layout: 'swizzle128x4',
  };
}

/** 128x4 swizzled scales → linear `[rows, cols]`. */
export function unswizzle(
  gk: Context,
  scale: Scale,
  rows: number,
  cols: number,
  opts: RunOptions = {},
): Scale {
  if (scale.layout !== 'swizzle128x4')
    fail('E_LAYOUT', 'scale is not swizzled', {
      arg: 'quant.unswizzle.scale.layout',
      expected: 'swizzle128x4',
      actual: scale.layout,
    });
  const tensor = gk.ops.unswizzleScales({ scale: scale.tensor, rows, cols }, callOptions(opts));
  return { ...scale, tensor, layout: 'linear' };
}
