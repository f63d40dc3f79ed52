import type { QuantResult } from '../../ops/quant-common.js';
import { randomTensor } from '../../random.js';
import { Tensor } from '../../tensor.js';
import { type BadInputCase, type ConformanceCase, TOLERANCE } from '../types.js';
import { bad, spreadInput, transposedInput } from './quant-helpers.js';

const op = 'quantPerTokenFp8';
const outputs = (r: QuantResult) => ({ data: r.data, scale: r.scale.tensor });
const x = (seed: number) => spreadInput('f32', [4, 256], seed);

const c = (name: string, build: ConformanceCase<typeof op>['build']): ConformanceCase<typeof op> => ({
  op,
  name,
  build,
  output: outputs,
  tolerance: TOLERANCE.fp8Output,
});

export const quantPerTokenFp8Cases: ConformanceCase<typeof op>[] = [
  c('m=1 k=128 f32', (s) => ({ x: spreadInput('f32', [1, 128], s) })),
  c('m=7 k=300 bf16 (partial last group)', (s) => ({ x: spreadInput('bf16', [7, 300], s) })),
  c('m=33 k=256 f16 e5m2', (s) => ({ x: spreadInput('f16', [33, 256], s), outDtype: 'e5m2' })),
  c('m=5 k=384 ue8m0 power-of-two f32 scales', (s) => ({ x: spreadInput('bf16', [5, 384], s), ue8m0: true })),
  c('m=6 k=256 ue8m0 scale bytes', (s) => ({ x: spreadInput('f32', [6, 256], s), scaleDtype: 'ue8m0' })),
  c('m=9 k=256 MN-major TMA-aligned', (s) => ({ x: spreadInput('f32', [9, 256], s), scaleMajor: 'MN' })),
  c('[3,5,260] batched MN-major ue8m0', (s) => ({
    x: spreadInput('bf16', [3, 5, 260], s),
    scaleMajor: 'MN',
    scaleDtype: 'ue8m0',
  })),
  c('strided (transposed) input m=10 k=128', (s) => ({ x: transposedInput('f32', 10, 128, s) })),
  c('group 64, m=3 k=200', (s) => ({ x: spreadInput('f32', [3, 200], s), groupSize: 64 })),
  c('m=0', (s) => ({ x: spreadInput('f32', [0, 256], s) })),
  c('tiny values clamp at eps', (s) => ({
    x: randomTensor('f32', [2, 128], { seed: s, std: 1e-7 }),
    eps: 1e-4,
  })),
  c('given outputs', (s) => ({
    x: spreadInput('f32', [3, 256], s),
    out: Tensor.host('e4m3', [3, 256]),
    outScale: Tensor.host('f32', [3, 2]),
  })),
];

export const quantPerTokenFp8BadInputs: BadInputCase<typeof op>[] = [
  bad(op, 'x not a tensor', 'E_UNSUPPORTED', `${op}.x`, () => ({ x: 3 as any })),
  bad(op, 'x of e4m3', 'E_DTYPE', `${op}.x`, (s) => ({ x: randomTensor('e4m3', [4, 128], { seed: s }) })),
  bad(op, 'x of i32', 'E_DTYPE', `${op}.x`, (s) => ({ x: randomTensor('i32', [4, 128], { seed: s }) })),
  bad(op, 'x of rank 1', 'E_SHAPE', `${op}.x`, (s) => ({ x: spreadInput('f32', [128], s) })),
  bad(op, 'x of rank 4', 'E_SHAPE', `${op}.x`, (s) => ({ x: spreadInput('f32', [1, 2, 2, 128], s) })),
  bad(op, 'outDtype e2m1x2', 'E_UNSUPPORTED', `${op}.outDtype`, (s) => ({
    x: x(s),
    outDtype: 'e2m1x2' as any,
  })),
  bad(op, 'groupSize 0', 'E_RANGE', `${op}.groupSize`, (s) => ({ x: x(s), groupSize: 0 })),
  bad(op, 'groupSize 1.5', 'E_RANGE', `${op}.groupSize`, (s) => ({ x: x(s), groupSize: 1.5 })),
  bad(op, 'negative eps', 'E_RANGE', `${op}.eps`, (s) => ({ x: x(s), eps: -1 })),
  bad(op, 'NaN eps', 'E_RANGE', `${op}.eps`, (s) => ({ x: x(s), eps: Number.NaN })),
  bad(op, 'ue8m0 bytes without pow2 scales', 'E_UNSUPPORTED', `${op}.ue8m0`, (s) => ({
    x: x(s),
    scaleDtype: 'ue8m0',
    ue8m0: false,
  })),
  bad(op, 'unknown scaleMajor', 'E_UNSUPPORTED', `${op}.scaleMajor`, (s) => ({
    x: x(s),
    scaleMajor: 'N' as any,
  })),
  bad(op, 'unknown scaleDtype', 'E_UNSUPPORTED', `${op}.scaleDtype`, (s) => ({
    x: x(s),
    scaleDtype: 'f16' as any,
  })),
  bad(op, 'out of wrong shape', 'E_SHAPE', `${op}.out`, (s) => ({
    x: x(s),
    out: Tensor.host('e4m3', [4, 255]),
  })),
  bad(op, 'out of wrong dtype', 'E_DTYPE', `${op}.out`, (s) => ({
    x: x(s),
    out: Tensor.host('e5m2', [4, 256]),
  })),
  bad(op, 'non-contiguous out', 'E_LAYOUT', `${op}.out`, (s) => ({
    x: x(s),
    out: Tensor.host('e4m3', [256, 4]).transpose(0, 1),
  })),
  bad(op, 'outScale of wrong shape', 'E_SHAPE', `${op}.outScale`, (s) => ({
    x: x(s),
    outScale: Tensor.host('f32', [4, 3]),
  })),
  bad(op, 'K-major outScale for MN-major scales', 'E_LAYOUT', `${op}.outScale`, (s) => ({
    x: x(s),
    scaleMajor: 'MN',
    outScale: Tensor.host('f32', [4, 2]),
  })),
];
