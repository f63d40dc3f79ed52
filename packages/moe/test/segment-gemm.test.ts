import { cpu } from '@gemmkit/backend-cpu';
import { type Context, createContext, randomTensor } from '@gemmkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SegmentGemm } from '../src/index.js';
import { expectError, floats } from './helpers.js';

let gk: Context;
beforeAll(async () => {
  gk = await createContext({ backends: [cpu()] });
});
afterAll(() => gk.dispose());

/** The FlashInfer docstring's check, as a naive loop: y[seg i] = x[seg i] · W[w_i] (transposed if column-major). */
function naive(
  x: number[],
  w: number[],
  dIn: number,
  dOut: number,
  lens: number[],
  widx: number[] | null,
  colMajor: boolean,
): number[] {
  const y: number[] = [];
  let row = 0;
  lens.forEach((len, i) => {
    const wi = widx ? widx[i] : i;
    for (let r = row; r < row + len; r++)
      for (let o = 0; o < dOut; o++) {
        let acc = 0;
        for (let j = 0; j < dIn; j++)
          acc += x[r * dIn + j] * (colMajor ? w[(wi * dOut + o) * dIn + j] : w[(wi * dIn + j) * dOut + o]);
        y.push(acc);
      }
    row += len;
  });
  return y;
}

describe('SegmentGemm', () => {
  const lens = [1, 2, 3, 4];
  const dIn = 32;
  const dOut = 24;
  for (const colMajor of [true, false])
    for (const withIdx of [false, true])
      it(`${colMajor ? 'column' : 'row'}-major weights${withIdx ? ', weightIndices' : ''}`, async () => {
        const x = randomTensor('f16', [10, dIn], { seed: 1 });
        const weights = randomTensor('f16', colMajor ? [4, dOut, dIn] : [4, dIn, dOut], { seed: 2 });
        const widx = withIdx ? [0, 1, 0, 1] : null;
        const sg = new SegmentGemm(gk);
        const y = sg.run({
          x,
          weights,
          batchSize: 4,
          weightColumnMajor: colMajor,
          segLens: lens,
          weightIndices: widx ?? undefined,
        });
        expect(y.shape).toEqual([10, dOut]);
        const got = floats(await y.toHost());
        const want = naive(floats(x), floats(weights), dIn, dOut, lens, widx, colMajor);
        for (let i = 0; i < want.length; i++)
          expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(Math.abs(want[i]) * 2 ** -10 + 1e-6);
        // segIndptr form gives the same bits.
        const z = sg.run({
          x,
          weights,
          batchSize: 4,
          weightColumnMajor: colMajor,
          segIndptr: [0, 1, 3, 6, 10],
          weightIndices: widx ?? undefined,
        });
        expect([...z.hostBytes()]).toEqual([...y.hostBytes()]);
      });

  it('rejects bad input with the op errors and its own', () => {
    const x = randomTensor('bf16', [3, 8], { seed: 3 });
    const weights = randomTensor('bf16', [2, 8, 4], { seed: 4 });
    const sg = new SegmentGemm(gk);
    expectError(
      () => sg.run({ x, weights, batchSize: 2, weightColumnMajor: false, segLens: [1, 1.5] }),
      'E_RANGE',
      'SegmentGemm.run.segLens',
    );
    expectError(
      () => sg.run({ x, weights, batchSize: 2, weightColumnMajor: false, segLens: 'ab' as any }),
      'E_UNSUPPORTED',
      'SegmentGemm.run.segLens',
    );
    expectError(
      () => sg.run({ x, weights, batchSize: 2, weightColumnMajor: false }),
      'E_UNSUPPORTED',
      'segmentGemm.segLens',
    );
    expectError(
      () => sg.run({ x, weights, batchSize: 2, weightColumnMajor: true, segLens: [1, 2] }),
      'E_SHAPE',
      'segmentGemm.weights',
    );
    expectError(() => new SegmentGemm(undefined as any), 'E_UNSUPPORTED', 'SegmentGemm.gk');
  });
});
