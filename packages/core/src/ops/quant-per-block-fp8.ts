import { defineOp } from '../op.js';
import type { Tensor } from '../tensor.js';
import {
  blockOption,
  type Fp8BlockPlan,
  fp8BlockBytes,
  planFp8Blocks,
  type QuantResult,
} from './quant-common.js';

export interface QuantPerBlockFp8Args {
  /** `[N, K]` or `[E, N, K]` f32/f16/bf16 (typically weights), any strides. */
  x: Tensor;
  /** FP8 format of the data (default 'e4m3'). */
  outDtype?: 'e4m3' | 'e5m2';
  /** Block rows (default 128). */
  blockM?: number;
  /** Block columns along K (default 128). */
  blockK?: number;
  /** Round scales up to powers of two (UE8M0). Default: true when `scaleDtype` is 'ue8m0', else false. */
  ue8m0?: boolean;
  /** Scale storage: 'f32' (default) or 'ue8m0' bytes (needs power-of-two scales). */
  scaleDtype?: 'f32' | 'ue8m0';
  /** Lower clamp of each block's amax (default 1e-4). */
  eps?: number;
  out?: Tensor;
  outScale?: Tensor;
}

export type QuantPerBlockFp8Plan = Fp8BlockPlan;

export const quantPerBlockFp8 = defineOp<QuantPerBlockFp8Args, QuantPerBlockFp8Plan, QuantResult>({
  name: 'quantPerBlockFp8',
  doc:
    'Per-block (128x128 by default) FP8 quantization (DeepGEMM per_block_cast_to_fp8). For block (i, j): ' +
    'amax = max |x| over rows [i·BM, (i+1)·BM) and columns [j·BK, (j+1)·BK) (edge blocks are partial, as if ' +
    'zero-padded), s = f32(max(amax, eps) / fpMax) (fpMax 448 e4m3, 57344 e5m2), with ue8m0 ' +
    's = 2^ceil(log2(max(amax, eps) / fpMax)); data = round_to_fp8(x / s) in float64, RNE, saturating. ' +
    'Scales [.., ceil(N/BM), ceil(K/BK)] f32 (or ue8m0 bytes), row-major. Dequantize: x ≈ data · s.',
  validate(args) {
    const bm = blockOption(args.blockM, 'quantPerBlockFp8.blockM', 128);
    const bk = blockOption(args.blockK, 'quantPerBlockFp8.blockK', 128);
    return planFp8Blocks('quantPerBlockFp8', args, [bm, bk], 'K');
  },
  flops: (p) => 2 * p.batch * p.m * p.k,
  bytes: fp8BlockBytes,
});
