/**
 * Float64 references of the MoE FFN math, for checking a layer's output (tests, `scripts/gpu-tier-moe.mjs`):
 * the exact values behind an FP8 expert and one SwiGLU expert on them, with no rounding anywhere.
 */
import { dequantizeFp8Blocks, type Tensor } from '@gemmkit/core';
import { hostValues } from './host.js';

/** One expert's projections as exact float64 values: gate/up `[I, H]`, down `[H, I]`, row-major. */
export interface ExpertValues {
  gate: Float64Array;
  up: Float64Array;
  down: Float64Array;
}

/** The values an e4m3 `[N, K]` weight with 128x128 f32 block scales stands for: `code · scale(block)`. */
export function fp8BlockWeightValues(weight: Tensor, scale: Tensor): Float64Array {
  const [n, k] = weight.shape;
  return dequantizeFp8Blocks(weight.hostBytes(), 'e4m3', hostValues(scale), [1, n, k], [128, 128]);
}

/** `down · (silu(gate · x) ⊙ (up · x))` for one token `x` of length H, in float64. */
export function swigluExpertReference(x: Float64Array, w: ExpertValues): Float64Array {
  const hidden = x.length;
  const inter = w.gate.length / hidden;
  const act = new Float64Array(inter);
  for (let i = 0; i < inter; i++) {
    let g = 0;
    let u = 0;
    for (let h = 0; h < hidden; h++) {
      g += x[h] * w.gate[i * hidden + h];
      u += x[h] * w.up[i * hidden + h];
    }
    act[i] = (g / (1 + Math.exp(-g))) * u;
  }
  const y = new Float64Array(hidden);
  for (let h = 0; h < hidden; h++) {
    let acc = 0;
    for (let i = 0; i < inter; i++) acc += act[i] * w.down[h * inter + i];
    y[h] = acc;
  }
  return y;
}
