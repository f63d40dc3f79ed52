import { randomTensor } from '../../random.js';
import { Tensor } from '../../tensor.js';
import type { BadInputCase, ConformanceCase } from '../types.js';
import { bad } from './quant-helpers.js';

const op = 'unswizzleScales';
const e4m3 = (n: number, seed: number) =>
  randomTensor('e4m3', [n], { seed, dist: 'uniform', low: 0.01, high: 400 });
const exact = { calcDiff: 0, maxAbs: 0 };

export const unswizzleScalesCases: ConformanceCase<typeof op>[] = [
  {
    op,
    name: '[3,2] from 512 bytes',
    build: (s) => ({ scale: e4m3(512, s), rows: 3, cols: 2 }),
    tolerance: exact,
  },
  {
    op,
    name: '[200,9] e4m3',
    build: (s) => ({ scale: e4m3(256 * 12, s), rows: 200, cols: 9 }),
    tolerance: exact,
  },
  {
    op,
    name: '[128,4] ue8m0',
    build: (s) => ({ scale: randomTensor('ue8m0', [512], { seed: s }), rows: 128, cols: 4 }),
    tolerance: exact,
  },
  { op, name: '[0,0]', build: () => ({ scale: Tensor.host('u8', [0]), rows: 0, cols: 0 }), tolerance: exact },
];

export const unswizzleScalesBadInputs: BadInputCase<typeof op>[] = [
  bad(op, 'scale not a tensor', 'E_UNSUPPORTED', `${op}.scale`, () => ({
    scale: null as any,
    rows: 1,
    cols: 1,
  })),
  bad(op, 'scale of f32', 'E_DTYPE', `${op}.scale`, (s) => ({
    scale: randomTensor('f32', [512], { seed: s }),
    rows: 1,
    cols: 1,
  })),
  bad(op, 'scale of rank 2', 'E_SHAPE', `${op}.scale`, (s) => ({
    scale: randomTensor('u8', [128, 4], { seed: s }),
    rows: 128,
    cols: 4,
  })),
  bad(op, 'rows negative', 'E_RANGE', `${op}.rows`, (s) => ({ scale: e4m3(512, s), rows: -1, cols: 4 })),
  bad(op, 'rows fractional', 'E_RANGE', `${op}.rows`, (s) => ({ scale: e4m3(512, s), rows: 2.5, cols: 4 })),
  bad(op, 'cols missing', 'E_RANGE', `${op}.cols`, (s) => ({ scale: e4m3(512, s), rows: 4 }) as any),
  bad(op, 'cols as string', 'E_RANGE', `${op}.cols`, (s) => ({
    scale: e4m3(512, s),
    rows: 4,
    cols: '4' as any,
  })),
  bad(op, 'size does not match rows', 'E_SHAPE', `${op}.scale`, (s) => ({
    scale: e4m3(512, s),
    rows: 129,
    cols: 4,
  })),
  bad(op, 'size does not match cols', 'E_SHAPE', `${op}.scale`, (s) => ({
    scale: e4m3(512, s),
    rows: 4,
    cols: 5,
  })),
  bad(op, 'out of wrong shape', 'E_SHAPE', `${op}.out`, (s) => ({
    scale: e4m3(512, s),
    rows: 4,
    cols: 4,
    out: Tensor.host('e4m3', [4, 3]),
  })),
  bad(op, 'out of wrong dtype', 'E_DTYPE', `${op}.out`, (s) => ({
    scale: e4m3(512, s),
    rows: 4,
    cols: 4,
    out: Tensor.host('ue8m0', [4, 4]),
  })),
];
