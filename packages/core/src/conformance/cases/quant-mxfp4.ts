import type { QuantResult } from '../../ops/quant-common.js';
import { randomTensor } from '../../random.js';
import { Tensor } from '../../tensor.js';
import { type BadInputCase, type ConformanceCase, TOLERANCE } from '../types.js';
import { bad, spreadInput, transposedInput } from './quant-helpers.js';

const op = 'quantMxfp4';
const outputs = (r: QuantResult) => ({ data: r.data, scale: r.scale.tensor });
const x = (seed: number) => spreadInput('f32', [4, 64], seed);

const c = (name: string, build: ConformanceCase<typeof op>['build']): ConformanceCase<typeof op> => ({
  op,
  name,
  build,
  output: outputs,
  tolerance: TOLERANCE.fp8Output,
});

export const quantMxfp4Cases: ConformanceCase<typeof op>[] = [
  c('m=1 k=32 linear', (s) => ({ x: spreadInput('f32', [1, 32], s), layout: 'linear' })),
  c('m=7 k=96 bf16 swizzled', (s) => ({ x: spreadInput('bf16', [7, 96], s) })),
  c('m=129 k=160 f16 swizzled ocp rounding', (s) => ({
    x: spreadInput('f16', [129, 160], s),
    rounding: 'ocp',
  })),
  c('[2,2,64] linear', (s) => ({ x: spreadInput('f32', [2, 2, 64], s), layout: 'linear' })),
  c('strided input', (s) => ({ x: transposedInput('bf16', 5, 64, s), layout: 'linear' })),
  c('all-zero block', () => ({ x: Tensor.host('f32', [2, 32]), layout: 'linear' })),
];

export const quantMxfp4BadInputs: BadInputCase<typeof op>[] = [
  bad(op, 'x not a tensor', 'E_UNSUPPORTED', `${op}.x`, () => ({ x: [1, 2] as any })),
  bad(op, 'x of ue8m0', 'E_DTYPE', `${op}.x`, (s) => ({ x: randomTensor('ue8m0', [4, 64], { seed: s }) })),
  bad(op, 'x of i8', 'E_DTYPE', `${op}.x`, (s) => ({ x: randomTensor('i8', [4, 64], { seed: s }) })),
  bad(op, 'x of rank 5', 'E_SHAPE', `${op}.x`, (s) => ({ x: spreadInput('f32', [1, 1, 1, 2, 64], s) })),
  bad(op, 'K = 48 (not a multiple of 32)', 'E_ALIGN', `${op}.x`, (s) => ({
    x: spreadInput('f32', [4, 48], s),
  })),
  bad(op, 'unknown layout', 'E_UNSUPPORTED', `${op}.layout`, (s) => ({
    x: x(s),
    layout: 'tma-aligned' as any,
  })),
  bad(op, 'unknown rounding', 'E_UNSUPPORTED', `${op}.rounding`, (s) => ({
    x: x(s),
    rounding: 'nearest' as any,
  })),
  bad(op, 'out of wrong shape', 'E_SHAPE', `${op}.out`, (s) => ({
    x: x(s),
    out: Tensor.host('e2m1x2', [4, 33]),
  })),
  bad(op, 'out of u8', 'E_DTYPE', `${op}.out`, (s) => ({ x: x(s), out: Tensor.host('u8', [4, 32]) })),
  bad(op, 'outScale of e4m3', 'E_DTYPE', `${op}.outScale`, (s) => ({
    x: x(s),
    layout: 'linear',
    outScale: Tensor.host('e4m3', [4, 2]),
  })),
  bad(op, 'outScale of wrong size', 'E_SHAPE', `${op}.outScale`, (s) => ({
    x: x(s),
    outScale: Tensor.host('ue8m0', [4 * 2]),
  })),
  bad(op, 'non-contiguous out', 'E_LAYOUT', `${op}.out`, (s) => ({
    x: x(s),
    out: Tensor.host('e2m1x2', [32, 4]).transpose(0, 1),
  })),
];
