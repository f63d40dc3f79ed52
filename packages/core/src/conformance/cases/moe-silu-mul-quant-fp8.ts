import type { QuantResult } from '../../ops/quant-common.js';
import { randomTensor, tensorFrom } from '../../random.js';
import { Tensor } from '../../tensor.js';
import { type BadInputCase, type ConformanceCase, TOLERANCE } from '../types.js';
import { bad, spreadInput } from './quant-helpers.js';

/** Conformance of siluMulQuantFp8, the activation step of the device MoE layer. */

const op = 'siluMulQuantFp8';
const outputs = (r: QuantResult) => ({ data: r.data, scale: r.scale.tensor });

const c = (name: string, build: ConformanceCase<typeof op>['build']): ConformanceCase<typeof op> => ({
  op,
  name,
  build,
  output: outputs,
  tolerance: TOLERANCE.fp8Output,
});

export const siluMulQuantFp8Cases: ConformanceCase<typeof op>[] = [
  c('m=1 I=128 f32', (s) => ({ x: spreadInput('f32', [1, 256], s) })),
  c('m=9 I=256 bf16 (two groups)', (s) => ({ x: spreadInput('bf16', [9, 512], s) })),
  c('m=5 I=200 f16 partial last group', (s) => ({ x: spreadInput('f16', [5, 400], s) })),
  c('m=6 I=128 e5m2', (s) => ({ x: spreadInput('bf16', [6, 256], s), outDtype: 'e5m2' })),
  c('m=4 I=256 ue8m0 power-of-two scales', (s) => ({ x: spreadInput('f32', [4, 512], s), ue8m0: true })),
  c('group 64, m=3 I=96', (s) => ({ x: spreadInput('f32', [3, 192], s), groupSize: 64 })),
  c('tiny values clamp at eps', (s) => ({ x: randomTensor('f32', [2, 256], { seed: s, std: 1e-4 }) })),
  c('m=0', () => ({ x: Tensor.host('bf16', [0, 256]) })),
  c('padding rows (mIndices -1) hold NaN and come out zero', (s) => {
    const x = spreadInput('bf16', [8, 256], s);
    // NaN in the padding rows, as an unwritten grouped-GEMM output would hold: they must not be read.
    const bytes = x.hostBytes().slice();
    for (const r of [2, 5, 6]) bytes.fill(0xff, r * 512, (r + 1) * 512);
    return {
      x: Tensor.host('bf16', [8, 256], bytes),
      mIndices: tensorFrom('i32', [8], [0, 0, -1, 1, 1, -1, -1, 3]),
    };
  }),
  c('given outputs', (s) => ({
    x: spreadInput('bf16', [3, 256], s),
    out: Tensor.host('e4m3', [3, 128]),
    outScale: Tensor.host('f32', [3, 1]),
  })),
];

const x = (s: number) => spreadInput('bf16', [4, 256], s);

export const siluMulQuantFp8BadInputs: BadInputCase<typeof op>[] = [
  bad(op, 'x not a tensor', 'E_UNSUPPORTED', `${op}.x`, () => ({ x: 1 as any })),
  bad(op, 'x of e4m3', 'E_DTYPE', `${op}.x`, (s) => ({ x: randomTensor('e4m3', [4, 256], { seed: s }) })),
  bad(op, 'x of rank 3', 'E_SHAPE', `${op}.x`, (s) => ({ x: spreadInput('f32', [2, 2, 256], s) })),
  bad(op, 'odd number of columns', 'E_SHAPE', `${op}.x`, (s) => ({ x: spreadInput('f32', [2, 255], s) })),
  bad(op, 'zero columns', 'E_SHAPE', `${op}.x`, () => ({ x: Tensor.host('f32', [2, 0]) })),
  bad(op, 'transposed x', 'E_LAYOUT', `${op}.x`, (s) => ({
    x: spreadInput('f32', [256, 4], s).transpose(0, 1),
  })),
  bad(op, 'groupSize 0', 'E_RANGE', `${op}.groupSize`, (s) => ({ x: x(s), groupSize: 0 })),
  bad(op, 'groupSize 3.5', 'E_RANGE', `${op}.groupSize`, (s) => ({ x: x(s), groupSize: 3.5 })),
  bad(op, 'outDtype bf16', 'E_UNSUPPORTED', `${op}.outDtype`, (s) => ({ x: x(s), outDtype: 'bf16' as any })),
  bad(op, 'ue8m0 not boolean', 'E_UNSUPPORTED', `${op}.ue8m0`, (s) => ({ x: x(s), ue8m0: 'yes' as any })),
  bad(op, 'eps 0', 'E_RANGE', `${op}.eps`, (s) => ({ x: x(s), eps: 0 })),
  bad(op, 'out of wrong shape', 'E_SHAPE', `${op}.out`, (s) => ({
    x: x(s),
    out: Tensor.host('e4m3', [4, 256]),
  })),
  bad(op, 'out of wrong dtype', 'E_DTYPE', `${op}.out`, (s) => ({
    x: x(s),
    out: Tensor.host('e5m2', [4, 128]),
  })),
  bad(op, 'outScale of wrong shape', 'E_SHAPE', `${op}.outScale`, (s) => ({
    x: x(s),
    outScale: Tensor.host('f32', [4, 2]),
  })),
  bad(op, 'mIndices of wrong length', 'E_SHAPE', `${op}.mIndices`, (s) => ({
    x: x(s),
    mIndices: tensorFrom('i32', [3], [0, 0, 0]),
  })),
  bad(op, 'mIndices of i64', 'E_DTYPE', `${op}.mIndices`, (s) => ({
    x: x(s),
    mIndices: randomTensor('i64', [4], { seed: s, low: 0, high: 2 }),
  })),
  bad(op, 'outScale of ue8m0 bytes', 'E_DTYPE', `${op}.outScale`, (s) => ({
    x: x(s),
    outScale: Tensor.host('ue8m0', [4, 1]),
  })),
];
