import { defineOp } from '../op.js';
import type { Tensor } from '../tensor.js';
import {
  blockOption,
  type Fp8BlockPlan,
  fp8BlockBytes,
  option,
  planFp8Blocks,
  type QuantResult,
} from './quant-common.js';

export interface QuantPerTokenFp8Args {
  /** `[M, K]` or `[B, M, K]` f32/f16/bf16, any strides. */
  x: Tensor;
  /** FP8 format of the data (default 'e4m3'). */
  outDtype?: 'e4m3' | 'e5m2';
  /** Elements per scale along K (default 128, DeepGEMM's 1x128). */
  groupSize?: number;
  /** Round scales up to powers of two (UE8M0). Default: true when `scaleDtype` is 'ue8m0', else false. */
  ue8m0?: boolean;
  /** Scale storage: 'f32' (default) or 'ue8m0' bytes (needs power-of-two scales). */
  scaleDtype?: 'f32' | 'ue8m0';
  /** 'K' (default): scales `[.., M, G]` row-major. 'MN': the same logical shape stored MN-major, TMA-aligned. */
  scaleMajor?: 'K' | 'MN';
  /** Lower clamp of each group's amax (default 1e-4). */
  eps?: number;
  out?: Tensor;
  /** Scale output; for 'MN' it must have the MN-major TMA-aligned strides (see `mnMajorStrides`). */
  outScale?: Tensor;
}

export type QuantPerTokenFp8Plan = Fp8BlockPlan;

export const quantPerTokenFp8 = defineOp<QuantPerTokenFp8Args, QuantPerTokenFp8Plan, QuantResult>({
  name: 'quantPerTokenFp8',
  doc:
    'Per-token (1xG, G = groupSize, default 128) FP8 quantization along K (DeepGEMM per_token_cast_to_fp8). ' +
    'For row m and group g: amax = max |x[m, gG..gG+G)| (partial last group), ' +
    's[m,g] = f32(max(amax, eps) / fpMax) with fpMax 448 (e4m3) or 57344 (e5m2); with ue8m0 ' +
    's = 2^ceil(log2(max(amax, eps) / fpMax)). data = round_to_fp8(x / s) computed in float64, RNE, saturating. ' +
    'Dequantize: x ≈ data · s. Scales [.., M, ceil(K/G)] f32 (or ue8m0 bytes), K-major or MN-major TMA-aligned ' +
    '(element (m, g) at g·roundup(M, 16/bytes) + m).',
  validate(args) {
    const g = blockOption(args.groupSize, 'quantPerTokenFp8.groupSize', 128);
    const major = option(args.scaleMajor, 'quantPerTokenFp8.scaleMajor', ['K', 'MN'] as const, 'K');
    return planFp8Blocks('quantPerTokenFp8', args, [1, g], major);
  },
  flops: (p) => 2 * p.batch * p.m * p.k,
  bytes: fp8BlockBytes,
});
