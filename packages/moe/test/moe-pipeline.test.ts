import { cpu } from '@gemmkit/backend-cpu';
import { type Context, createContext, randomTensor, type Tensor } from '@gemmkit/core';
import { quant } from '@gemmkit/quant';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  contiguousLayout,
  maskedLayout,
  packMasked,
  permute,
  topkRouting,
  unpackMasked,
  unpermute,
} from '../src/index.js';
import { floats } from './helpers.js';

// End to end on the host layout + the grouped op: route → permute → FP8 quantize → raggedMMoeGemm8bit in
// each of its three index forms (built here) → weighted unpermute, against a naive per-token formula.

let gk: Context;
beforeAll(async () => {
  gk = await createContext({ backends: [cpu()] });
});
afterAll(() => gk.dispose());

describe('MoE pipeline over raggedMMoeGemm8bit', () => {
  it('mIndices, psum and per-expert forms give the same tokens, matching the naive formula', async () => {
    const T = 20;
    const K = 256;
    const N = 64;
    const E = 4;
    const r = topkRouting(randomTensor('f32', [T, E], { seed: 1 }), { topK: 2, renormalize: true });
    const l = contiguousLayout(r.topkIds, E, { alignment: 128 });
    const x = randomTensor('bf16', [T, K], { seed: 2 });
    const a = quant.perTokenFp8(gk, permute(x, l));
    const w = quant.perBlockFp8(gk, randomTensor('bf16', [E, N, K], { seed: 3, std: 0.05 }));
    const results: number[][] = [];
    for (const [gemmMode, info] of [
      ['per_token', l.mIndices],
      ['psum_expert', l.psum],
      ['per_expert', l.counts],
    ] as const) {
      const y = gk.ops.raggedMMoeGemm8bit({
        a: a.data,
        aScale: a.scale.tensor,
        b: w.data,
        bScale: w.scale.tensor,
        raggedTokensInfo: info,
        gemmMode,
        alignmentM: 128,
        outDtype: 'bf16',
      });
      results.push(floats(unpermute(await y.toHost(), l, { topkWeights: r.topkWeights, outDtype: 'f32' })));
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    // Naive: out[t] = Σ_j w[t,j] · bf16( dequant(a)[row] · dequant(W_e)ᵀ ).
    const ad = floats(quant.dequantFp8(gk, a));
    const wd = floats(quant.dequantFp8(gk, w));
    const ids = floats(r.topkIds.reshape([T * 2])).map(Math.round);
    const rowOf = [...new Int32Array(l.rowOf.hostBytes().slice().buffer)];
    const tw = floats(r.topkWeights);
    let worst = 0;
    for (let t = 0; t < T; t++)
      for (let n = 0; n < N; n++) {
        let want = 0;
        let mag = 0;
        for (let j = 0; j < 2; j++) {
          const row = rowOf[2 * t + j];
          const e = ids[2 * t + j];
          let acc = 0;
          for (let k = 0; k < K; k++) acc += ad[row * K + k] * wd[(e * N + n) * K + k];
          want += tw[2 * t + j] * acc;
          mag += Math.abs(tw[2 * t + j] * acc);
        }
        // Each expert output is rounded once to bf16 (relative 2^-8), then combined in f64 and rounded to f32.
        worst = Math.max(worst, Math.abs(results[0][t * N + n] - want) / (mag * 2 ** -8 + 1e-30));
      }
    expect(worst).toBeLessThanOrEqual(1.01);

    // The masked layout through maskedMoeGemm8bit gives the same bits as the contiguous one.
    const ml = maskedLayout(r.topkIds, E, { maxM: Math.max(...floats(r.counts)) + 3 }); // with padding rows
    const am = quant.perTokenFp8(gk, packMasked(x, ml));
    const ym = gk.ops.maskedMoeGemm8bit({
      a: am.data,
      aScale: am.scale.tensor,
      b: w.data,
      bScale: w.scale.tensor,
      maskedM: ml.maskedM,
      expectTokens: ml.expectedM,
      outDtype: 'bf16',
    }) as Tensor;
    const masked = floats(
      unpackMasked(await ym.toHost(), ml, { topkWeights: r.topkWeights, outDtype: 'f32' }),
    );
    expect(masked).toEqual(results[0]);
  });
});
