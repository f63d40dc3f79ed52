import type { QuantResult } from '../../ops/quant-common.js';
import { fullTensor, randomTensor } from '../../random.js';
import { Tensor } from '../../tensor.js';
import { type BadInputCase, type ConformanceCase, TOLERANCE } from '../types.js';
import { bad, spreadInput, transposedInput } from './quant-helpers.js';

const op = 'quantPerTensorFp8';
const outputs = (r: QuantResult) => ({ data: r.data, scale: r.scale.tensor });
const x = (seed: number) => spreadInput('f32', [4, 64], seed);

const c = (name: string, build: ConformanceCase<typeof op>['build']): ConformanceCase<typeof op> => ({
  op,
  name,
  build,
  output: outputs,
  tolerance: TOLERANCE.fp8Output,
});

export const quantPerTensorFp8Cases: ConformanceCase<typeof op>[] = [
  c('[64,96] f32', (s) => ({ x: randomTensor('f32', [64, 96], { seed: s, std: 3 }) })),
  c('[3,17,33] bf16 e5m2', (s) => ({
    x: randomTensor('bf16', [3, 17, 33], { seed: s, std: 100 }),
    outDtype: 'e5m2',
  })),
  c('[1000] f16', (s) => ({ x: randomTensor('f16', [1000], { seed: s }) })),
  c('static scale (saturating)', (s) => ({
    x: randomTensor('f32', [32, 32], { seed: s, std: 10 }),
    scale: fullTensor('f32', [1], 0.01),
  })),
  c('strided input', (s) => ({ x: transposedInput('f32', 20, 30, s) })),
  c('empty tensor', () => ({ x: Tensor.host('f32', [0, 8]) })),
];

export const quantPerTensorFp8BadInputs: BadInputCase<typeof op>[] = [
  bad(op, 'x not a tensor', 'E_UNSUPPORTED', `${op}.x`, () => ({ x: null as any })),
  bad(op, 'x of e4m3', 'E_DTYPE', `${op}.x`, (s) => ({ x: randomTensor('e4m3', [4, 4], { seed: s }) })),
  bad(op, 'x of rank 0', 'E_SHAPE', `${op}.x`, () => ({ x: Tensor.host('f32', []) })),
  bad(op, 'outDtype bf16', 'E_UNSUPPORTED', `${op}.outDtype`, (s) => ({ x: x(s), outDtype: 'bf16' as any })),
  bad(op, 'scale of f16', 'E_DTYPE', `${op}.scale`, (s) => ({ x: x(s), scale: fullTensor('f16', [1], 1) })),
  bad(op, 'scale with 2 elements', 'E_SHAPE', `${op}.scale`, (s) => ({
    x: x(s),
    scale: fullTensor('f32', [2], 1),
  })),
  bad(op, 'zero scale', 'E_RANGE', `${op}.scale`, (s) => ({ x: x(s), scale: fullTensor('f32', [1], 0) })),
  bad(op, 'NaN scale', 'E_RANGE', `${op}.scale`, (s) => ({
    x: x(s),
    scale: fullTensor('f32', [1], Number.NaN),
  })),
  bad(op, 'negative scale', 'E_RANGE', `${op}.scale`, (s) => ({
    x: x(s),
    scale: fullTensor('f32', [1], -2),
  })),
  bad(op, 'infinite scale', 'E_RANGE', `${op}.scale`, (s) => ({
    x: x(s),
    scale: fullTensor('f32', [1], Number.POSITIVE_INFINITY),
  })),
  bad(op, 'eps Infinity', 'E_RANGE', `${op}.eps`, (s) => ({ x: x(s), eps: Number.POSITIVE_INFINITY })),
  bad(op, 'out of wrong shape', 'E_SHAPE', `${op}.out`, (s) => ({
    x: x(s),
    out: Tensor.host('e4m3', [4, 65]),
  })),
  bad(op, 'out of wrong dtype', 'E_DTYPE', `${op}.out`, (s) => ({
    x: x(s),
    out: Tensor.host('e5m2', [4, 64]),
  })),
  bad(op, 'outScale [2]', 'E_SHAPE', `${op}.outScale`, (s) => ({
    x: x(s),
    outScale: Tensor.host('f32', [2]),
  })),
];
