import type { QuantResult } from '../../ops/quant-common.js';
import { randomTensor } from '../../random.js';
import { Tensor } from '../../tensor.js';
import { type BadInputCase, type ConformanceCase, TOLERANCE } from '../types.js';
import { bad, spreadInput, transposedInput } from './quant-helpers.js';

const op = 'quantPerBlockFp8';
const outputs = (r: QuantResult) => ({ data: r.data, scale: r.scale.tensor });
const x = (seed: number) => spreadInput('f32', [130, 256], seed);

const c = (name: string, build: ConformanceCase<typeof op>['build']): ConformanceCase<typeof op> => ({
  op,
  name,
  build,
  output: outputs,
  tolerance: TOLERANCE.fp8Output,
});

export const quantPerBlockFp8Cases: ConformanceCase<typeof op>[] = [
  c('n=128 k=128 f32', (s) => ({ x: spreadInput('f32', [128, 128], s) })),
  c('n=130 k=300 bf16 (partial blocks)', (s) => ({ x: spreadInput('bf16', [130, 300], s) })),
  c('n=1 k=129 f16 e5m2', (s) => ({ x: spreadInput('f16', [1, 129], s), outDtype: 'e5m2' })),
  c('[2,200,256] experts ue8m0', (s) => ({ x: spreadInput('bf16', [2, 200, 256], s), ue8m0: true })),
  c('n=64 k=256 ue8m0 bytes', (s) => ({ x: spreadInput('f32', [64, 256], s), scaleDtype: 'ue8m0' })),
  c('block 32x64', (s) => ({ x: spreadInput('f32', [70, 130], s), blockM: 32, blockK: 64 })),
  c('strided input', (s) => ({ x: transposedInput('bf16', 129, 128, s) })),
  c('n=0', (s) => ({ x: spreadInput('f32', [0, 128], s) })),
  c('wide range normal', (s) => ({ x: randomTensor('f32', [128, 256], { seed: s, std: 300 }) })),
];

export const quantPerBlockFp8BadInputs: BadInputCase<typeof op>[] = [
  bad(op, 'x missing', 'E_UNSUPPORTED', `${op}.x`, () => ({}) as any),
  bad(op, 'x of e5m2', 'E_DTYPE', `${op}.x`, (s) => ({ x: randomTensor('e5m2', [4, 128], { seed: s }) })),
  bad(op, 'x of u8', 'E_DTYPE', `${op}.x`, (s) => ({ x: randomTensor('u8', [4, 128], { seed: s }) })),
  bad(op, 'x of rank 1', 'E_SHAPE', `${op}.x`, (s) => ({ x: spreadInput('f32', [256], s) })),
  bad(op, 'blockM 0', 'E_RANGE', `${op}.blockM`, (s) => ({ x: x(s), blockM: 0 })),
  bad(op, 'blockK -128', 'E_RANGE', `${op}.blockK`, (s) => ({ x: x(s), blockK: -128 })),
  bad(op, 'outDtype f16', 'E_UNSUPPORTED', `${op}.outDtype`, (s) => ({ x: x(s), outDtype: 'f16' as any })),
  bad(op, 'zero eps', 'E_RANGE', `${op}.eps`, (s) => ({ x: x(s), eps: 0 })),
  bad(op, 'ue8m0 not boolean', 'E_UNSUPPORTED', `${op}.ue8m0`, (s) => ({ x: x(s), ue8m0: 1 as any })),
  bad(op, 'out of wrong shape', 'E_SHAPE', `${op}.out`, (s) => ({
    x: x(s),
    out: Tensor.host('e4m3', [130, 128]),
  })),
  bad(op, 'out of wrong dtype', 'E_DTYPE', `${op}.out`, (s) => ({
    x: x(s),
    out: Tensor.host('u8', [130, 256]),
  })),
  bad(op, 'outScale of wrong shape', 'E_SHAPE', `${op}.outScale`, (s) => ({
    x: x(s),
    outScale: Tensor.host('f32', [1, 2]),
  })),
  bad(op, 'outScale of wrong dtype', 'E_DTYPE', `${op}.outScale`, (s) => ({
    x: x(s),
    outScale: Tensor.host('ue8m0', [2, 2]),
  })),
];
