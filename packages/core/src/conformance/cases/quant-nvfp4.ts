import type { QuantNvfp4Result } from '../../ops/quant-nvfp4.js';
import { fullTensor, randomTensor } from '../../random.js';
import { Tensor } from '../../tensor.js';
import { type BadInputCase, type ConformanceCase, TOLERANCE } from '../types.js';
import { bad, spreadInput, transposedInput } from './quant-helpers.js';

const op = 'quantNvfp4';
const outputs = (r: QuantNvfp4Result) => ({
  data: r.data,
  scale: r.scale.tensor,
  globalScale: r.globalScale,
});
const x = (seed: number) => spreadInput('f32', [4, 64], seed);

const c = (name: string, build: ConformanceCase<typeof op>['build']): ConformanceCase<typeof op> => ({
  op,
  name,
  build,
  output: outputs,
  tolerance: TOLERANCE.fp8Output,
});

export const quantNvfp4Cases: ConformanceCase<typeof op>[] = [
  c('m=1 k=16 linear', (s) => ({ x: spreadInput('f32', [1, 16], s), layout: 'linear' })),
  c('m=5 k=64 bf16 swizzled', (s) => ({ x: spreadInput('bf16', [5, 64], s) })),
  c('m=130 k=80 f16 swizzled (row and column padding)', (s) => ({ x: spreadInput('f16', [130, 80], s) })),
  c('[2,3,32] given global scale', (s) => ({
    x: spreadInput('f32', [2, 3, 32], s),
    globalScale: fullTensor('f32', [1], 64),
    layout: 'linear',
  })),
  c('strided input', (s) => ({ x: transposedInput('f32', 9, 48, s), layout: 'linear' })),
  c('m=0', () => ({ x: Tensor.host('f32', [0, 32]) })),
];

export const quantNvfp4BadInputs: BadInputCase<typeof op>[] = [
  bad(op, 'x not a tensor', 'E_UNSUPPORTED', `${op}.x`, () => ({ x: 'x' as any })),
  bad(op, 'x of e4m3', 'E_DTYPE', `${op}.x`, (s) => ({ x: randomTensor('e4m3', [4, 64], { seed: s }) })),
  bad(op, 'x of rank 1', 'E_SHAPE', `${op}.x`, (s) => ({ x: spreadInput('f32', [64], s) })),
  bad(op, 'K not a multiple of 16', 'E_ALIGN', `${op}.x`, (s) => ({ x: spreadInput('f32', [4, 40], s) })),
  bad(op, 'unknown layout', 'E_UNSUPPORTED', `${op}.layout`, (s) => ({ x: x(s), layout: 'swizzle' as any })),
  bad(op, 'globalScale of bf16', 'E_DTYPE', `${op}.globalScale`, (s) => ({
    x: x(s),
    globalScale: fullTensor('bf16', [1], 1),
  })),
  bad(op, 'globalScale [2]', 'E_SHAPE', `${op}.globalScale`, (s) => ({
    x: x(s),
    globalScale: fullTensor('f32', [2], 1),
  })),
  bad(op, 'globalScale 0', 'E_RANGE', `${op}.globalScale`, (s) => ({
    x: x(s),
    globalScale: fullTensor('f32', [1], 0),
  })),
  bad(op, 'globalScale negative', 'E_RANGE', `${op}.globalScale`, (s) => ({
    x: x(s),
    globalScale: fullTensor('f32', [1], -0.5),
  })),
  bad(op, 'globalScale NaN', 'E_RANGE', `${op}.globalScale`, (s) => ({
    x: x(s),
    globalScale: fullTensor('f32', [1], Number.NaN),
  })),
  bad(op, 'globalScale infinite', 'E_RANGE', `${op}.globalScale`, (s) => ({
    x: x(s),
    globalScale: fullTensor('f32', [1], Number.POSITIVE_INFINITY),
  })),
  bad(op, 'eps -1', 'E_RANGE', `${op}.eps`, (s) => ({ x: x(s), eps: -1 })),
  bad(op, 'out of e4m3', 'E_DTYPE', `${op}.out`, (s) => ({ x: x(s), out: Tensor.host('e4m3', [4, 32]) })),
  bad(op, 'out unpacked shape', 'E_SHAPE', `${op}.out`, (s) => ({
    x: x(s),
    out: Tensor.host('e2m1x2', [4, 64]),
  })),
  bad(op, 'linear outScale for swizzled layout', 'E_SHAPE', `${op}.outScale`, (s) => ({
    x: x(s),
    outScale: Tensor.host('e4m3', [4, 4]),
  })),
  bad(op, 'outScale of ue8m0', 'E_DTYPE', `${op}.outScale`, (s) => ({
    x: x(s),
    layout: 'linear',
    outScale: Tensor.host('ue8m0', [4, 4]),
  })),
  bad(op, 'outGlobalScale [1,1] of f16', 'E_DTYPE', `${op}.outGlobalScale`, (s) => ({
    x: x(s),
    outGlobalScale: Tensor.host('f16', [1]),
  })),
];
