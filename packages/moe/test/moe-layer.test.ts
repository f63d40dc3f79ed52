import { cpu } from '@gemmkit/backend-cpu';
import { type Context, calcDiff, createContext, randomTensor } from '@gemmkit/core';
import { quant } from '@gemmkit/quant';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moeLayer } from '../src/index.js';
import { floats, ints } from './helpers.js';

let gk: Context;
beforeAll(async () => {
  gk = await createContext({ backends: [cpu()] });
});
afterAll(() => gk.dispose());

describe('moeLayer', () => {
  const T = 16;
  const H = 256;
  const I = 128;
  const E = 4;
  const build = () => ({
    x: randomTensor('bf16', [T, H], { seed: 1 }),
    routerLogits: randomTensor('f32', [T, E], { seed: 2 }),
    w13: quant.perBlockFp8(gk, randomTensor('bf16', [E, 2 * I, H], { seed: 3, std: 0.06 })),
    w2: quant.perBlockFp8(gk, randomTensor('bf16', [E, H, I], { seed: 4, std: 0.09 })),
    routing: { topK: 2, renormalize: true },
  });

  it('matches a float64 formula over the dequantized weights (calcDiff < 1e-3)', async () => {
    const args = build();
    const { out, routing } = await moeLayer(gk, args);
    expect(out.shape).toEqual([T, H]);
    const x = floats(args.x);
    const w13 = floats(quant.dequantFp8(gk, args.w13));
    const w2 = floats(quant.dequantFp8(gk, args.w2));
    const ids = ints(routing.topkIds);
    const tw = floats(routing.topkWeights);
    const want = new Float64Array(T * H);
    for (let t = 0; t < T; t++)
      for (let j = 0; j < 2; j++) {
        const e = ids[2 * t + j];
        const act = new Float64Array(I);
        for (let i = 0; i < I; i++) {
          let g = 0;
          let u = 0;
          for (let k = 0; k < H; k++) {
            g += x[t * H + k] * w13[(e * 2 * I + i) * H + k];
            u += x[t * H + k] * w13[(e * 2 * I + I + i) * H + k];
          }
          act[i] = (g / (1 + Math.exp(-g))) * u;
        }
        for (let h = 0; h < H; h++) {
          let acc = 0;
          for (let i = 0; i < I; i++) acc += act[i] * w2[(e * H + h) * I + i];
          want[t * H + h] += tw[2 * t + j] * acc;
        }
      }
    const got = floats(out);
    expect(got.every(Number.isFinite)).toBe(true);
    expect(calcDiff(Float64Array.from(got), want)).toBeLessThan(1e-3);
  });

  it('rejects mismatched shapes', async () => {
    const args = build();
    await expect(moeLayer(gk, { ...args, w2: args.w13 })).rejects.toMatchObject({
      code: 'E_SHAPE',
      arg: 'moe.moeLayer.w2',
    });
    await expect(
      moeLayer(gk, { ...args, x: randomTensor('bf16', [T, 128], { seed: 5 }) }),
    ).rejects.toMatchObject({
      code: 'E_SHAPE',
      arg: 'moe.moeLayer.x',
    });
    await expect(
      moeLayer(gk, { ...args, routerLogits: randomTensor('f32', [T, E + 1], { seed: 6 }) }),
    ).rejects.toMatchObject({ code: 'E_SHAPE', arg: 'moe.moeLayer.routerLogits' });
  });
});
