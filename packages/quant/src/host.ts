import {
  contracts,
  dequantizeFp4,
  dequantizeFp8Blocks,
  encodeArray,
  FP8_MAX,
  fp8GroupScale,
  type Granularity,
  nvfp4GlobalScale,
  type QuantNvfp4Result,
  type QuantResult,
  quantizeFp8Blocks,
  quantizeFp8WithScale,
  quantizeMxfp4,
  quantizeNvfp4,
  type Scale,
  swizzle128x4,
  Tensor,
  unswizzle128x4,
} from '@gemmkit/core';

/**
 * Pure host helpers: the same quantizers over host tensors with no context and no backend (for tests,
 * demos and data preparation). They validate through the op contracts and run core's host reference, so
 * they agree bit for bit with the CPU backend. Scales come out K-major and linear unless asked otherwise.
 */

const hostF32 = (values: ArrayLike<number>, shape: number[]) =>
  Tensor.host('f32', shape, encodeArray('f32', values));
const values = (x: Tensor) => Float64Array.from(x.toFloat32Array());
const scaleOf = (
  tensor: Tensor,
  granularity: Granularity,
  encoding: Scale['encoding'],
  layout: Scale['layout'] = 'linear',
): Scale => ({ tensor, granularity, major: 'K', encoding, layout });

export interface HostFp8Options {
  dtype?: 'e4m3' | 'e5m2';
  ue8m0?: boolean;
  scaleDtype?: 'f32' | 'ue8m0';
  eps?: number;
}

function blocks(
  op: 'quantPerTokenFp8' | 'quantPerBlockFp8',
  x: Tensor,
  block: [number, number],
  o: HostFp8Options,
): QuantResult {
  const p =
    op === 'quantPerTokenFp8'
      ? contracts.quantPerTokenFp8.validate({
          x,
          outDtype: o.dtype,
          ue8m0: o.ue8m0,
          scaleDtype: o.scaleDtype,
          eps: o.eps,
          groupSize: block[1],
        })
      : contracts.quantPerBlockFp8.validate({
          x,
          outDtype: o.dtype,
          ue8m0: o.ue8m0,
          scaleDtype: o.scaleDtype,
          eps: o.eps,
          blockM: block[0],
          blockK: block[1],
        });
  const r = quantizeFp8Blocks(values(x), [p.batch, p.m, p.k], p.block, {
    dtype: p.outDtype,
    ue8m0: p.ue8m0,
    eps: p.eps,
  });
  return {
    data: Tensor.host(p.outDtype, p.dataShape, r.codes),
    scale: scaleOf(
      Tensor.host(p.scaleDtype, p.scaleShape, encodeArray(p.scaleDtype, r.scales)),
      [p.block[0], p.block[0], p.block[1]],
      p.scaleDtype,
    ),
  };
}

/** Host 1xG (default 1x128) FP8 quantization. */
export const perTokenFp8 = (x: Tensor, o: HostFp8Options & { groupSize?: number } = {}): QuantResult =>
  blocks('quantPerTokenFp8', x, [1, o.groupSize ?? 128], o);

/** Host BMxBK (default 128x128) FP8 quantization. */
export const perBlockFp8 = (
  x: Tensor,
  o: HostFp8Options & { blockM?: number; blockK?: number } = {},
): QuantResult => blocks('quantPerBlockFp8', x, [o.blockM ?? 128, o.blockK ?? 128], o);

/** Host per-tensor FP8 quantization (static `scale` or amax-derived). */
export function perTensorFp8(
  x: Tensor,
  o: { dtype?: 'e4m3' | 'e5m2'; scale?: number; eps?: number } = {},
): QuantResult {
  const scaleT = o.scale === undefined ? undefined : hostF32([o.scale], [1]);
  const p = contracts.quantPerTensorFp8.validate({ x, outDtype: o.dtype, eps: o.eps, scale: scaleT });
  const v = values(x);
  let s = o.scale === undefined ? undefined : Math.fround(o.scale);
  if (s === undefined) {
    let amax = 0;
    for (let i = 0; i < v.length; i++) amax = Math.max(amax, Math.abs(v[i]));
    s = fp8GroupScale(amax, FP8_MAX[p.outDtype], p.eps, false);
  }
  return {
    data: Tensor.host(p.outDtype, p.shape, quantizeFp8WithScale(v, s, p.outDtype)),
    scale: scaleOf(hostF32([s], [1]), [-1, -1, -1], 'f32'),
  };
}

/** Host NVFP4 quantization (`globalScale` = encode-side g, default 448·6/amax). */
export function nvfp4(
  x: Tensor,
  globalScale?: number,
  o: { layout?: 'linear' | 'swizzle128x4'; eps?: number } = {},
): QuantNvfp4Result {
  const gT = globalScale === undefined ? undefined : hostF32([globalScale], [1]);
  const p = contracts.quantNvfp4.validate({ x, globalScale: gT, layout: o.layout, eps: o.eps });
  const v = values(x);
  let g = globalScale === undefined ? 0 : Math.fround(globalScale);
  if (globalScale === undefined) {
    let amax = 0;
    for (let i = 0; i < v.length; i++) amax = Math.max(amax, Math.abs(v[i]));
    g = nvfp4GlobalScale(amax, p.eps);
  }
  const r = quantizeNvfp4(v, p.rows, p.k, g);
  const sc = p.layout === 'linear' ? r.scaleCodes : swizzle128x4(r.scaleCodes, p.rows, p.k / 16);
  return {
    data: Tensor.host('e2m1x2', p.dataShape, r.packed),
    scale: scaleOf(Tensor.host('e4m3', p.scaleShape, sc), [1, 1, 16], 'e4m3', p.layout),
    globalScale: hostF32([g], [1]),
  };
}

/** Host MXFP4 quantization. */
export function mxfp4(
  x: Tensor,
  o: { layout?: 'linear' | 'swizzle128x4'; rounding?: 'up' | 'ocp' } = {},
): QuantResult {
  const p = contracts.quantMxfp4.validate({ x, layout: o.layout, rounding: o.rounding });
  const r = quantizeMxfp4(values(x), p.rows, p.k, p.rounding);
  const sc = p.layout === 'linear' ? r.scaleCodes : swizzle128x4(r.scaleCodes, p.rows, p.k / 32);
  return {
    data: Tensor.host('e2m1x2', p.dataShape, r.packed),
    scale: scaleOf(Tensor.host('ue8m0', p.scaleShape, sc), [1, 1, 32], 'ue8m0', p.layout),
  };
}

/** Host exact FP8 dequantization to float64 values (row-major). */
export function dequantFp8(q: { data: Tensor; scale: Scale }): Float64Array {
  const [gm, , gk] = q.scale.granularity;
  const block: [number, number] | undefined = gm === -1 ? undefined : [gm, gk];
  const p = contracts.dequantFp8.validate({ x: q.data, scale: q.scale.tensor, block });
  const s = Float64Array.from(q.scale.tensor.toFloat32Array());
  return dequantizeFp8Blocks(q.data.hostBytes(), p.inDtype, s, [p.batch, p.m, p.k], p.block);
}

/** Host exact FP4 dequantization to float64 values (row-major, unpacked). */
export function dequantFp4(q: { data: Tensor; scale: Scale; globalScale?: Tensor }): Float64Array {
  const layout = q.scale.layout === 'swizzle128x4' ? 'swizzle128x4' : 'linear';
  const p = contracts.dequantFp4.validate({
    x: q.data,
    scale: q.scale.tensor,
    layout,
    globalScale: q.globalScale,
  });
  const raw = q.scale.tensor.hostBytes();
  const linear = layout === 'linear' ? raw : unswizzle128x4(raw, p.rows, p.k / p.block);
  const g = q.globalScale ? q.globalScale.toFloat32Array()[0] : 1;
  return dequantizeFp4(q.data.hostBytes(), linear, p.scaleDtype, p.rows, p.k, g);
}
