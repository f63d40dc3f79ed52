import { randomTensor, tensorFrom } from '../../random.js';
import { Tensor } from '../../tensor.js';
import { type BadInputCase, type ConformanceCase, TOLERANCE } from '../types.js';
import { routedTokenOf } from './moe-permute.js';
import { bad } from './quant-helpers.js';

const op = 'moeUnpermute';

const c = (name: string, build: ConformanceCase<typeof op>['build']): ConformanceCase<typeof op> => ({
  op,
  name,
  build,
  // bf16/f16 outputs: f32 device sums may land on the neighbouring code of the float64 reference.
  tolerance: TOLERANCE.dequantized,
});

const weights = (tokens: number, k: number, seed: number) =>
  randomTensor('f32', [tokens, k], { seed, dist: 'uniform', low: 0.05, high: 1 });

export const moeUnpermuteCases: ConformanceCase<typeof op>[] = [
  c('bf16 T=12 H=64 k=2 E=4 A=8 weighted', (s) => {
    const l = routedTokenOf(12, 2, 4, 8, s);
    return {
      y: randomTensor('bf16', [l.rows, 64], { seed: s }),
      rowOf: l.rowOf,
      topkWeights: weights(12, 2, s),
    };
  }),
  c('f32 T=9 H=33 k=3 unweighted', (s) => {
    const l = routedTokenOf(9, 3, 8, 16, s);
    return { y: randomTensor('f32', [l.rows, 33], { seed: s }), rowOf: l.rowOf };
  }),
  c('bf16 -> f32 out, dropped slots', (s) => {
    const l = routedTokenOf(20, 4, 16, 4, s, 0.3);
    return {
      y: randomTensor('bf16', [l.rows, 24], { seed: s }),
      rowOf: l.rowOf,
      topkWeights: weights(20, 4, s),
      outDtype: 'f32',
    };
  }),
  c('f16 T=7 H=16 k=8 E=8 given out', (s) => {
    const l = routedTokenOf(7, 8, 8, 8, s);
    return {
      y: randomTensor('f16', [l.rows, 16], { seed: s }),
      rowOf: l.rowOf,
      topkWeights: weights(7, 8, s),
      out: Tensor.host('f16', [7, 16]),
    };
  }),
  c('every slot of a token dropped gives 0', (s) => ({
    y: randomTensor('f32', [4, 8], { seed: s }),
    rowOf: tensorFrom('i32', [3, 2], [0, 1, -1, -1, 3, 2]),
    topkWeights: weights(3, 2, s),
  })),
  c('T=0', (s) => ({ y: randomTensor('bf16', [8, 16], { seed: s }), rowOf: Tensor.host('i32', [0, 2]) })),
];

const y = (s: number) => randomTensor('bf16', [8, 16], { seed: s });
const rowOf = () => tensorFrom('i32', [3, 2], [0, 1, 4, -1, 5, 2]);

export const moeUnpermuteBadInputs: BadInputCase<typeof op>[] = [
  bad(op, 'y not a tensor', 'E_UNSUPPORTED', `${op}.y`, () => ({ y: undefined as any, rowOf: rowOf() })),
  bad(op, 'y of e4m3', 'E_DTYPE', `${op}.y`, (s) => ({
    y: randomTensor('e4m3', [8, 16], { seed: s }),
    rowOf: rowOf(),
  })),
  bad(op, 'y of rank 3', 'E_SHAPE', `${op}.y`, (s) => ({
    y: randomTensor('bf16', [2, 4, 16], { seed: s }),
    rowOf: rowOf(),
  })),
  bad(op, 'transposed y', 'E_LAYOUT', `${op}.y`, (s) => ({
    y: randomTensor('bf16', [16, 8], { seed: s }).transpose(0, 1),
    rowOf: rowOf(),
  })),
  bad(op, 'rowOf of f32', 'E_DTYPE', `${op}.rowOf`, (s) => ({
    y: y(s),
    rowOf: randomTensor('f32', [3, 2], { seed: s }),
  })),
  bad(op, 'rowOf of rank 1', 'E_SHAPE', `${op}.rowOf`, (s) => ({
    y: y(s),
    rowOf: tensorFrom('i32', [2], [0, 1]),
  })),
  bad(op, 'rowOf = M', 'E_RANGE', `${op}.rowOf`, (s) => ({
    y: y(s),
    rowOf: tensorFrom('i32', [2, 2], [0, 8, 1, 2]),
  })),
  bad(op, 'rowOf -5', 'E_RANGE', `${op}.rowOf`, (s) => ({
    y: y(s),
    rowOf: tensorFrom('i32', [2, 2], [0, -5, 1, 2]),
  })),
  bad(op, 'topkWeights of wrong shape', 'E_SHAPE', `${op}.topkWeights`, (s) => ({
    y: y(s),
    rowOf: rowOf(),
    topkWeights: weights(2, 3, s),
  })),
  bad(op, 'topkWeights of bf16', 'E_DTYPE', `${op}.topkWeights`, (s) => ({
    y: y(s),
    rowOf: rowOf(),
    topkWeights: randomTensor('bf16', [3, 2], { seed: s }),
  })),
  bad(op, 'unknown outDtype', 'E_UNSUPPORTED', `${op}.outDtype`, (s) => ({
    y: y(s),
    rowOf: rowOf(),
    outDtype: 'e4m3' as any,
  })),
  bad(op, 'out of wrong shape', 'E_SHAPE', `${op}.out`, (s) => ({
    y: y(s),
    rowOf: rowOf(),
    out: Tensor.host('bf16', [3, 15]),
  })),
  bad(op, 'out dtype differs from outDtype', 'E_DTYPE', `${op}.out`, (s) => ({
    y: y(s),
    rowOf: rowOf(),
    outDtype: 'f32',
    out: Tensor.host('bf16', [3, 16]),
  })),
];
