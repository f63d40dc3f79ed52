import { randomTensor } from '../../random.js';
import { Tensor } from '../../tensor.js';
import type { BadInputCase, ConformanceCase } from '../types.js';
import { bad } from './quant-helpers.js';

const op = 'swizzleScales';
const e4m3 = (shape: number[], seed: number) =>
  randomTensor('e4m3', shape, { seed, dist: 'uniform', low: 0.01, high: 400 });
const exact = { calcDiff: 0, maxAbs: 0 };

export const swizzleScalesCases: ConformanceCase<typeof op>[] = [
  { op, name: '[1,1] e4m3', build: (s) => ({ scale: e4m3([1, 1], s) }), tolerance: exact },
  { op, name: '[130,5] e4m3', build: (s) => ({ scale: e4m3([130, 5], s) }), tolerance: exact },
  {
    op,
    name: '[2,64,8] ue8m0',
    build: (s) => ({ scale: randomTensor('ue8m0', [2, 64, 8], { seed: s }) }),
    tolerance: exact,
  },
  {
    op,
    name: '[256,4] u8',
    build: (s) => ({ scale: randomTensor('u8', [256, 4], { seed: s }) }),
    tolerance: exact,
  },
  {
    op,
    name: 'strided input',
    build: (s) => ({ scale: e4m3([6, 33], s).transpose(0, 1) }),
    tolerance: exact,
  },
];

export const swizzleScalesBadInputs: BadInputCase<typeof op>[] = [
  bad(op, 'scale not a tensor', 'E_UNSUPPORTED', `${op}.scale`, () => ({ scale: 'x' as any })),
  bad(op, 'scale of f32', 'E_DTYPE', `${op}.scale`, (s) => ({
    scale: randomTensor('f32', [4, 4], { seed: s }),
  })),
  bad(op, 'scale of bf16', 'E_DTYPE', `${op}.scale`, (s) => ({
    scale: randomTensor('bf16', [4, 4], { seed: s }),
  })),
  bad(op, 'scale of i8', 'E_DTYPE', `${op}.scale`, (s) => ({
    scale: randomTensor('i8', [4, 4], { seed: s }),
  })),
  bad(op, 'scale of e2m1x2', 'E_DTYPE', `${op}.scale`, (s) => ({
    scale: randomTensor('e2m1x2', [4, 4], { seed: s }),
  })),
  bad(op, 'scale of rank 1', 'E_SHAPE', `${op}.scale`, (s) => ({ scale: e4m3([16], s) })),
  bad(op, 'scale of rank 5', 'E_SHAPE', `${op}.scale`, (s) => ({ scale: e4m3([1, 1, 1, 4, 4], s) })),
  bad(op, 'out of wrong size', 'E_SHAPE', `${op}.out`, (s) => ({
    scale: e4m3([4, 4], s),
    out: Tensor.host('e4m3', [16]),
  })),
  bad(op, 'out of wrong dtype', 'E_DTYPE', `${op}.out`, (s) => ({
    scale: e4m3([4, 4], s),
    out: Tensor.host('u8', [512]),
  })),
  bad(op, '2-D out', 'E_SHAPE', `${op}.out`, (s) => ({
    scale: e4m3([4, 4], s),
    out: Tensor.host('e4m3', [128, 4]),
  })),
];
