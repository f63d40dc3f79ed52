import type { MoeAlignLayoutResult } from '../../ops/moe-align-layout.js';
import { randomTensor, tensorFrom } from '../../random.js';
import { Tensor } from '../../tensor.js';
import type { BadInputCase, ConformanceCase } from '../types.js';
import { routedIds } from './moe-helpers.js';
import { bad } from './quant-helpers.js';

const op = 'moeAlignLayout';
const outputs = (r: MoeAlignLayoutResult) => ({ ...r });
const exact = { calcDiff: 0, maxAbs: 0 };

const c = (name: string, build: ConformanceCase<typeof op>['build']): ConformanceCase<typeof op> => ({
  op,
  name,
  build,
  output: outputs,
  tolerance: exact,
});

export const moeAlignLayoutCases: ConformanceCase<typeof op>[] = [
  c('T=1 k=1 E=1 A=128', () => ({ topkIds: tensorFrom('i32', [1, 1], [0]), numExperts: 1 })),
  c('T=33 k=4 E=16 A=8', (s) => ({ topkIds: routedIds(33, 4, 16, s), numExperts: 16, alignmentM: 8 })),
  c('T=70 k=8 E=32 A=128 (DeepGEMM alignment)', (s) => ({
    topkIds: routedIds(70, 8, 32, s),
    numExperts: 32,
  })),
  c('T=50 k=6 E=64 A=256, 20% dropped slots', (s) => ({
    topkIds: routedIds(50, 6, 64, s, 0.2),
    numExperts: 64,
    alignmentM: 256,
  })),
  c('E > T·k (most experts empty) A=4', (s) => ({
    topkIds: routedIds(3, 2, 100, s),
    numExperts: 100,
    alignmentM: 4,
  })),
  c('every slot dropped', () => ({
    topkIds: tensorFrom('i32', [4, 2], new Array(8).fill(-1)),
    numExperts: 3,
  })),
  c('A=1 (no padding)', (s) => ({ topkIds: routedIds(20, 3, 7, s), numExperts: 7, alignmentM: 1 })),
  c('T=0', () => ({ topkIds: Tensor.host('i32', [0, 4]), numExperts: 8 })),
];

const ids = (s: number) => routedIds(6, 2, 4, s);

export const moeAlignLayoutBadInputs: BadInputCase<typeof op>[] = [
  bad(op, 'topkIds not a tensor', 'E_UNSUPPORTED', `${op}.topkIds`, () => ({
    topkIds: null as any,
    numExperts: 4,
  })),
  bad(op, 'topkIds of i64', 'E_DTYPE', `${op}.topkIds`, (s) => ({
    topkIds: randomTensor('i64', [6, 2], { seed: s, low: 0, high: 4 }),
    numExperts: 4,
  })),
  bad(op, 'topkIds of f32', 'E_DTYPE', `${op}.topkIds`, (s) => ({
    topkIds: randomTensor('f32', [6, 2], { seed: s }),
    numExperts: 4,
  })),
  bad(op, 'topkIds of rank 1', 'E_SHAPE', `${op}.topkIds`, () => ({
    topkIds: tensorFrom('i32', [3], [0, 1, 2]),
    numExperts: 4,
  })),
  bad(op, 'transposed topkIds', 'E_LAYOUT', `${op}.topkIds`, (s) => ({
    topkIds: routedIds(2, 6, 8, s).transpose(0, 1),
    numExperts: 8,
  })),
  bad(op, 'numExperts 0', 'E_RANGE', `${op}.numExperts`, (s) => ({ topkIds: ids(s), numExperts: 0 })),
  bad(op, 'numExperts missing', 'E_RANGE', `${op}.numExperts`, (s) => ({
    topkIds: ids(s),
    numExperts: undefined as any,
  })),
  bad(op, 'alignmentM 0', 'E_RANGE', `${op}.alignmentM`, (s) => ({
    topkIds: ids(s),
    numExperts: 4,
    alignmentM: 0,
  })),
  bad(op, 'alignmentM 2.5', 'E_RANGE', `${op}.alignmentM`, (s) => ({
    topkIds: ids(s),
    numExperts: 4,
    alignmentM: 2.5,
  })),
  bad(op, 'alignmentM above 4096', 'E_RANGE', `${op}.alignmentM`, (s) => ({
    topkIds: ids(s),
    numExperts: 4,
    alignmentM: 8192,
  })),
  bad(op, 'expert id = E', 'E_RANGE', `${op}.topkIds`, () => ({
    topkIds: tensorFrom('i32', [2, 2], [0, 1, 4, 2]),
    numExperts: 4,
  })),
  bad(op, 'expert id -2', 'E_RANGE', `${op}.topkIds`, () => ({
    topkIds: tensorFrom('i32', [2, 2], [0, 1, -2, 2]),
    numExperts: 4,
  })),
];
