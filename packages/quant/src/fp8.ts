import type { Context, QuantResult, Tensor } from '@gemmkit/core';
import { callOptions, type RunOptions, scalarTensor } from './options.js';

export interface PerTokenFp8Options extends RunOptions {
  /** 'e4m3' (default) or 'e5m2'. */
  dtype?: 'e4m3' | 'e5m2';
  /** Elements per scale along K (default 128). */
  groupSize?: number;
  /** Power-of-two (UE8M0) scales, rounded up. */
  ue8m0?: boolean;
  /** Store scales as ue8m0 bytes instead of f32 (implies ue8m0). */
  scaleDtype?: 'f32' | 'ue8m0';
  /** 'MN': TMA-aligned MN-major scales, as DeepGEMM's kernels read A's scales. */
  scaleMajor?: 'K' | 'MN';
  /** amax clamp (default 1e-4). */
  eps?: number;
}

/** 1x128 (per-token) FP8 quantization of `x` `[M, K]` / `[B, M, K]`: `x ≈ data · scale[m, k/128]`. */
export function perTokenFp8(gk: Context, x: Tensor, opts: PerTokenFp8Options = {}): QuantResult {
  const { dtype, backend: _b, ...rest } = opts;
  return gk.ops.quantPerTokenFp8({ x, outDtype: dtype, ...rest }, callOptions(opts));
}

export interface PerBlockFp8Options extends RunOptions {
  dtype?: 'e4m3' | 'e5m2';
  /** Block rows and columns (default 128 x 128). */
  blockM?: number;
  blockK?: number;
  ue8m0?: boolean;
  scaleDtype?: 'f32' | 'ue8m0';
  eps?: number;
}

/** 128x128 (per-block) FP8 quantization of weights `[N, K]` / `[E, N, K]`: `x ≈ data · scale[n/128, k/128]`. */
export function perBlockFp8(gk: Context, x: Tensor, opts: PerBlockFp8Options = {}): QuantResult {
  const { dtype, backend: _b, ...rest } = opts;
  return gk.ops.quantPerBlockFp8({ x, outDtype: dtype, ...rest }, callOptions(opts));
}

export interface PerTensorFp8Options extends RunOptions {
  dtype?: 'e4m3' | 'e5m2';
  /** A static dequantization scale (number or f32 one-element tensor); absent: amax / fpMax. */
  scale?: number | Tensor;
  eps?: number;
}

/** Per-tensor FP8 quantization: `x ≈ data · scale`. */
export function perTensorFp8(gk: Context, x: Tensor, opts: PerTensorFp8Options = {}): QuantResult {
  const scale =
    opts.scale === undefined ? undefined : scalarTensor(gk, opts.scale, 'quant.perTensorFp8.scale', opts);
  return gk.ops.quantPerTensorFp8({ x, outDtype: opts.dtype, scale, eps: opts.eps }, callOptions(opts));
}
