import { randomTensor } from '../../random.js';
import { Tensor } from '../../tensor.js';
import { type BadInputCase, type ConformanceCase, TOLERANCE } from '../types.js';
import { bad } from './quant-helpers.js';

const op = 'scaleToMnMajor';
const f32 = (shape: number[], seed: number) =>
  randomTensor('f32', shape, { seed, dist: 'uniform', low: 0.1, high: 3 });
const exact = { calcDiff: 0, maxAbs: 0 };

export const scaleToMnMajorCases: ConformanceCase<typeof op>[] = [
  { op, name: '[7,3] f32', build: (s) => ({ scale: f32([7, 3], s) }), tolerance: exact },
  { op, name: '[2,9,5] f32', build: (s) => ({ scale: f32([2, 9, 5], s) }), tolerance: exact },
  {
    op,
    name: '[17,2] ue8m0',
    build: (s) => ({ scale: randomTensor('ue8m0', [17, 2], { seed: s }) }),
    tolerance: exact,
  },
  { op, name: 'strided input', build: (s) => ({ scale: f32([4, 6], s).transpose(0, 1) }), tolerance: exact },
  { op, name: 'm=0', build: () => ({ scale: Tensor.host('f32', [0, 3]) }), tolerance: TOLERANCE.dequantized },
];

export const scaleToMnMajorBadInputs: BadInputCase<typeof op>[] = [
  bad(op, 'scale not a tensor', 'E_UNSUPPORTED', `${op}.scale`, () => ({ scale: 1 as any })),
  bad(op, 'scale of e4m3', 'E_DTYPE', `${op}.scale`, (s) => ({
    scale: randomTensor('e4m3', [4, 2], { seed: s }),
  })),
  bad(op, 'scale of bf16', 'E_DTYPE', `${op}.scale`, (s) => ({
    scale: randomTensor('bf16', [4, 2], { seed: s }),
  })),
  bad(op, 'scale of i32', 'E_DTYPE', `${op}.scale`, (s) => ({
    scale: randomTensor('i32', [4, 2], { seed: s }),
  })),
  bad(op, 'scale of rank 1', 'E_SHAPE', `${op}.scale`, (s) => ({ scale: f32([4], s) })),
  bad(op, 'scale of rank 4', 'E_SHAPE', `${op}.scale`, (s) => ({ scale: f32([1, 1, 4, 2], s) })),
  bad(op, 'contiguous out', 'E_LAYOUT', `${op}.out`, (s) => ({
    scale: f32([5, 2], s),
    out: Tensor.host('f32', [5, 2]),
  })),
  bad(op, 'out of wrong shape', 'E_SHAPE', `${op}.out`, (s) => ({
    scale: f32([5, 2], s),
    out: Tensor.host('f32', [5, 3]),
  })),
  bad(op, 'out of wrong dtype', 'E_DTYPE', `${op}.out`, (s) => ({
    scale: f32([5, 2], s),
    out: Tensor.host('ue8m0', [5, 2]),
  })),
  bad(op, 'out MN-major but unaligned', 'E_LAYOUT', `${op}.out`, (s) => ({
    scale: f32([5, 2], s),
    out: Tensor.host('f32', [2, 5]).transpose(0, 1),
  })),
];
