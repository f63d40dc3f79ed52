import { fullTensor, randomTensor } from '../../random.js';
import { Tensor } from '../../tensor.js';
import { type BadInputCase, type ConformanceCase, TOLERANCE } from '../types.js';
import { bad } from './quant-helpers.js';

const op = 'dequantFp8';
const fp8 = (shape: number[], seed: number, dtype: 'e4m3' | 'e5m2' = 'e4m3') =>
  randomTensor(dtype, shape, { seed, std: dtype === 'e4m3' ? 100 : 1000 });
const scales = (shape: number[], seed: number) =>
  randomTensor('f32', shape, { seed: seed + 1, dist: 'uniform', low: 1e-3, high: 2 });

/** `[m, g]` f32 scales stored MN-major with rows padded to 4 (TMA-aligned), padding poisoned with NaN. */
function mnMajorScales(m: number, g: number, seed: number): Tensor {
  const mp = Math.ceil(m / 4) * 4;
  const base = randomTensor('f32', [g, mp], { seed, dist: 'uniform', low: 0.5, high: 4 });
  return base.transpose(0, 1).narrow(0, 0, m);
}

const c = (name: string, build: ConformanceCase<typeof op>['build']): ConformanceCase<typeof op> => ({
  op,
  name,
  build,
  tolerance: TOLERANCE.dequantized,
});

export const dequantFp8Cases: ConformanceCase<typeof op>[] = [
  c('per-tensor [33,65] → f32', (s) => ({ x: fp8([33, 65], s), scale: fullTensor('f32', [1], 0.37) })),
  c('per-token [5,300] → bf16', (s) => ({
    x: fp8([5, 300], s),
    scale: scales([5, 3], s),
    block: [1, 128],
    outDtype: 'bf16',
  })),
  c('per-block [2,130,129] e5m2 → f16', (s) => ({
    x: fp8([2, 130, 129], s, 'e5m2'),
    scale: scales([2, 2, 2], s),
    block: [128, 128],
    outDtype: 'f16',
  })),
  c('ue8m0 scales [4,256]', (s) => ({
    x: fp8([4, 256], s),
    scale: randomTensor('ue8m0', [4, 2], { seed: s }),
    block: [1, 128],
  })),
  c('MN-major scales [6,256]', (s) => ({
    x: fp8([6, 256], s),
    scale: mnMajorScales(6, 2, s),
    block: [1, 128],
  })),
  c('strided data', (s) => ({
    x: fp8([128, 7], s).transpose(0, 1),
    scale: scales([7, 1], s),
    block: [1, 128],
  })),
];

const x = (seed: number) => fp8([4, 256], seed);
const sc = (seed: number) => scales([4, 2], seed);

export const dequantFp8BadInputs: BadInputCase<typeof op>[] = [
  bad(op, 'x not a tensor', 'E_UNSUPPORTED', `${op}.x`, (s) => ({ x: undefined as any, scale: sc(s) })),
  bad(op, 'scale not a tensor', 'E_UNSUPPORTED', `${op}.scale`, (s) => ({ x: x(s), scale: 2 as any })),
  bad(op, 'x of bf16', 'E_DTYPE', `${op}.x`, (s) => ({
    x: randomTensor('bf16', [4, 256], { seed: s }),
    scale: sc(s),
    block: [1, 128],
  })),
  bad(op, 'scale of f16', 'E_DTYPE', `${op}.scale`, (s) => ({
    x: x(s),
    scale: randomTensor('f16', [4, 2], { seed: s }),
    block: [1, 128],
  })),
  bad(op, 'outDtype e4m3', 'E_UNSUPPORTED', `${op}.outDtype`, (s) => ({
    x: x(s),
    scale: sc(s),
    block: [1, 128],
    outDtype: 'e4m3' as any,
  })),
  bad(op, 'blockwise scale without block', 'E_SHAPE', `${op}.scale`, (s) => ({ x: x(s), scale: sc(s) })),
  bad(op, 'block of one entry', 'E_UNSUPPORTED', `${op}.block`, (s) => ({
    x: x(s),
    scale: sc(s),
    block: [128] as any,
  })),
  bad(op, 'block 0', 'E_RANGE', `${op}.block`, (s) => ({ x: x(s), scale: sc(s), block: [0, 128] })),
  bad(op, 'scale shape for another block', 'E_SHAPE', `${op}.scale`, (s) => ({
    x: x(s),
    scale: sc(s),
    block: [1, 64],
  })),
  bad(op, 'blockwise x of rank 1', 'E_SHAPE', `${op}.x`, (s) => ({
    x: fp8([256], s),
    scale: scales([2], s),
    block: [1, 128],
  })),
  bad(op, 'scale missing the batch dim', 'E_SHAPE', `${op}.scale`, (s) => ({
    x: fp8([2, 4, 256], s),
    scale: sc(s),
    block: [1, 128],
  })),
  bad(op, 'out of wrong dtype', 'E_DTYPE', `${op}.out`, (s) => ({
    x: x(s),
    scale: sc(s),
    block: [1, 128],
    out: Tensor.host('bf16', [4, 256]),
  })),
  bad(op, 'out of wrong shape', 'E_SHAPE', `${op}.out`, (s) => ({
    x: x(s),
    scale: sc(s),
    block: [1, 128],
    out: Tensor.host('f32', [4, 255]),
  })),
];
