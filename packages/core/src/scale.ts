import type { Tensor } from './tensor.js';

/** Scale-factor granularity `[m, n, k]`: one scale per m x k block of A / n x k block of B. -1 = whole dim. */
export type Granularity = readonly [number, number, number];

export type ScaleEncoding = 'f32' | 'ue8m0' | 'e4m3';
export type ScaleLayout = 'linear' | 'swizzle128x4' | 'tma-aligned';
export type ScaleMajor = 'K' | 'MN';

/** A scale tensor plus its meaning. value = element x scale of the block that holds it. */
export interface Scale {
  readonly tensor: Tensor;
  readonly granularity: Granularity;
  readonly major: ScaleMajor;
  readonly encoding: ScaleEncoding;
  readonly layout: ScaleLayout;
}
