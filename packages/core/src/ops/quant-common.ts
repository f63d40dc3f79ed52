import { checkTensor } from '../check.js';
import type { DType } from '../dtype.js';
import { fail } from '../errors.js';
import type { ValidateMode } from '../op.js';
import { readBytesSync } from '../read-sync.js';
import type { Scale } from '../scale.js';
import type { Tensor } from '../tensor.js';
import { ceilDiv, mnMajorStrides } from './quant-layout.js';
import { DEFAULT_AMAX_EPS } from './quant-rules.js';

/** Argument checks and plans shared by the quantizer contracts (quantPerTokenFp8, quantPerBlockFp8, ...). */

/** What every quantizer returns: the quantized data and its scale (with its meaning). */
export interface QuantResult {
  readonly data: Tensor;
  readonly scale: Scale;
}

export const QUANT_INPUT_DTYPES: readonly DType[] = ['f32', 'f16', 'bf16'];
export const FP8_DTYPES = ['e4m3', 'e5m2'] as const;

/** Input to be quantized: a tensor of f32/f16/bf16 with rank in `ranks`. Any strides are accepted. */
export function checkQuantInput(x: unknown, arg: string, ranks: readonly number[]): asserts x is Tensor {
  checkTensor(x, arg);
  if (!QUANT_INPUT_DTYPES.includes(x.dtype))
    fail('E_DTYPE', 'quantizer input must be a float tensor', {
      arg,
      expected: QUANT_INPUT_DTYPES,
      actual: x.dtype,
    });
  if (!ranks.includes(x.rank))
    fail('E_SHAPE', 'wrong rank', { arg, expected: `rank in [${ranks.join(', ')}]`, actual: x.shape });
}

/** A string option with a default. */
export function option<T extends string>(v: T | undefined, arg: string, allowed: readonly T[], dflt: T): T {
  if (v === undefined) return dflt;
  if (!allowed.includes(v)) fail('E_UNSUPPORTED', 'unsupported value', { arg, expected: allowed, actual: v });
  return v;
}

export function boolOption(v: boolean | undefined, arg: string, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean')
    fail('E_UNSUPPORTED', 'expected a boolean', { arg, expected: 'boolean', actual: v });
  return v;
}

/** amax clamp: a finite number > 0. */
export function epsOption(v: number | undefined, arg: string): number {
  if (v === undefined) return DEFAULT_AMAX_EPS;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
    fail('E_RANGE', 'eps must be a finite number > 0', { arg, expected: '> 0', actual: v });
  return v;
}

/** Block size: a positive integer. */
export function blockOption(v: number | undefined, arg: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    fail('E_RANGE', 'block size must be a positive integer', { arg, expected: 'integer >= 1', actual: v });
  return v;
}

/**
 * A caller-provided output: must be a tensor of exactly `dtype` and `shape`, and either contiguous or (when
 * `strides` is given) have exactly those strides (size-1 dimensions excepted).
 */
export function checkOut(
  t: unknown,
  arg: string,
  dtype: DType,
  shape: readonly number[],
  strides?: readonly number[],
): void {
  if (t === undefined) return;
  checkTensor(t, arg);
  if (t.dtype !== dtype) fail('E_DTYPE', 'output dtype mismatch', { arg, expected: dtype, actual: t.dtype });
  if (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i]))
    fail('E_SHAPE', 'output shape mismatch', { arg, expected: shape, actual: t.shape });
  if (strides) {
    if (t.strides.some((s, i) => t.shape[i] > 1 && s !== strides[i]))
      fail('E_LAYOUT', 'output must have the MN-major TMA-aligned strides', {
        arg,
        expected: strides,
        actual: t.strides,
      });
  } else if (!t.isContiguous)
    fail('E_LAYOUT', 'output must be contiguous', { arg, expected: 'contiguous strides', actual: t.strides });
}

/**
 * Value of a one-element f32 tensor when it is readable synchronously now (host storage, or a device storage
 * with `readSync` such as CUDA), else undefined (WebGPU).
 */
export function hostScalar(t: Tensor): number | undefined {
  const b = readBytesSync(t);
  if (!b || b.byteLength < 4) return undefined;
  return new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true);
}

/** A one-element f32 tensor argument (a scale). With 'full' validation a host value must be finite and > 0. */
export function checkScalarScale(
  t: unknown,
  arg: string,
  mode: ValidateMode | undefined,
): asserts t is Tensor {
  checkTensor(t, arg);
  if (t.dtype !== 'f32') fail('E_DTYPE', 'scale must be f32', { arg, expected: 'f32', actual: t.dtype });
  if (t.numel !== 1)
    fail('E_SHAPE', 'scale must hold one element', { arg, expected: '1 element', actual: t.shape });
  if (mode !== 'fast') {
    const v = hostScalar(t);
    if (v !== undefined && !(Number.isFinite(v) && v > 0))
      fail('E_RANGE', 'scale must be finite and > 0', { arg, expected: '> 0', actual: v });
  }
}

/** Plan shared by the blockwise FP8 quantizers (per-token 1xG and per-block BxB). */
export interface Fp8BlockPlan {
  /** Leading batch entries (1 for a rank-2 input). */
  batch: number;
  m: number;
  k: number;
  /** Block `[rows, cols]`: `[1, groupSize]` per-token, `[128, 128]` per-block. */
  block: [number, number];
  inDtype: DType;
  outDtype: 'e4m3' | 'e5m2';
  ue8m0: boolean;
  eps: number;
  scaleDtype: 'f32' | 'ue8m0';
  scaleMajor: 'K' | 'MN';
  dataShape: number[];
  scaleShape: number[];
  /** Strides of the scale tensor (MN-major TMA-aligned or contiguous). */
  scaleStrides: number[];
}

export interface Fp8BlockOptionsArgs {
  x: Tensor;
  outDtype?: 'e4m3' | 'e5m2';
  ue8m0?: boolean;
  scaleDtype?: 'f32' | 'ue8m0';
  eps?: number;
  out?: Tensor;
  outScale?: Tensor;
}

export function planFp8Blocks(
  op: string,
  args: Fp8BlockOptionsArgs,
  block: [number, number],
  scaleMajor: 'K' | 'MN',
): Fp8BlockPlan {
  checkQuantInput(args.x, `${op}.x`, [2, 3]);
  const outDtype = option(args.outDtype, `${op}.outDtype`, FP8_DTYPES, 'e4m3');
  const scaleDtype = option(args.scaleDtype, `${op}.scaleDtype`, ['f32', 'ue8m0'] as const, 'f32');
  const ue8m0 = boolOption(args.ue8m0, `${op}.ue8m0`, scaleDtype === 'ue8m0');
  if (scaleDtype === 'ue8m0' && !ue8m0)
    fail('E_UNSUPPORTED', 'ue8m0 scale storage needs power-of-two scales', {
      arg: `${op}.ue8m0`,
      expected: true,
      actual: false,
    });
  const eps = epsOption(args.eps, `${op}.eps`);
  const x = args.x;
  const batch = x.rank === 3 ? x.shape[0] : 1;
  const [m, k] = x.shape.slice(-2);
  const lead = x.rank === 3 ? [batch] : [];
  const scaleShape = [...lead, ceilDiv(m, block[0]), ceilDiv(k, block[1])];
  const eb = scaleDtype === 'f32' ? 4 : 1;
  const scaleStrides =
    scaleMajor === 'MN'
      ? mnMajorStrides(scaleShape, eb)
      : scaleShape.map((_, i) => scaleShape.slice(i + 1).reduce((a, b) => a * b, 1));
  const dataShape = [...x.shape];
  checkOut(args.out, `${op}.out`, outDtype, dataShape);
  checkOut(
    args.outScale,
    `${op}.outScale`,
    scaleDtype,
    scaleShape,
    scaleMajor === 'MN' ? scaleStrides : undefined,
  );
  return {
    batch,
    m,
    k,
    block,
    inDtype: x.dtype,
    outDtype,
    ue8m0,
    eps,
    scaleDtype,
    scaleMajor,
    dataShape,
    scaleShape,
    scaleStrides,
  };
}

export function fp8BlockBytes(p: Fp8BlockPlan): number {
  const n = p.batch * p.m * p.k;
  const inBytes = p.inDtype === 'f32' ? 4 : 2;
  const scales = p.scaleShape.reduce((a, b) => a * b, 1) * (p.scaleDtype === 'f32' ? 4 : 1);
  return n * inBytes + n + scales;
}

/** Plan shared by the FP4 quantizers and dequantizer: rows = product of leading dims, K = last dim. */
export interface Fp4Plan {
  rows: number;
  k: number;
  /** 16 (NVFP4, e4m3 scales) or 32 (MXFP4, ue8m0 scales). */
  block: number;
  layout: 'linear' | 'swizzle128x4';
  /** `[..lead, K/2]` e2m1x2. */
  dataShape: number[];
  /** Linear: `[..lead, K/block]`; swizzled: `[roundup(rows,128)·roundup(K/block,4)]`. */
  scaleShape: number[];
  /** Logical shape of the unpacked values `[..lead, K]`. */
  valueShape: number[];
}

export function planFp4Shapes(
  op: string,
  valueShape: readonly number[],
  block: number,
  layout: 'linear' | 'swizzle128x4',
): Fp4Plan {
  const k = valueShape[valueShape.length - 1];
  const lead = valueShape.slice(0, -1);
  const rows = lead.reduce((a, b) => a * b, 1);
  if (k % block !== 0)
    fail('E_ALIGN', `K must be a multiple of the ${block}-element scale block`, {
      arg: `${op}.x`,
      expected: `K % ${block} == 0`,
      actual: k,
    });
  const cols = k / block;
  const scaleShape =
    layout === 'linear' ? [...lead, cols] : [Math.ceil(rows / 128) * 128 * Math.ceil(cols / 4) * 4];
  return { rows, k, block, layout, dataShape: [...lead, k / 2], scaleShape, valueShape: [...valueShape] };
}

export const FP4_LAYOUTS = ['linear', 'swizzle128x4'] as const;
