import type { MoeTopkResult } from '../../ops/moe-topk.js';
import { randomTensor, tensorFrom } from '../../random.js';
import { Tensor } from '../../tensor.js';
import type { BadInputCase, ConformanceCase } from '../types.js';
import { routerLogits, tiedLogits } from './moe-helpers.js';
import { bad } from './quant-helpers.js';

const op = 'moeTopk';
const outputs = (r: MoeTopkResult) => ({ topkIds: r.topkIds, topkWeights: r.topkWeights });
// Ids must match exactly (any id mismatch is >= 1); f32 weights vs the float64 reference differ by ~1e-7.
const tolerance = { calcDiff: 1e-6, maxAbs: 1e-5 };

const c = (name: string, build: ConformanceCase<typeof op>['build']): ConformanceCase<typeof op> => ({
  op,
  name,
  build,
  output: outputs,
  tolerance,
});

const bias = (experts: number, seed: number) =>
  tensorFrom(
    'f32',
    [experts],
    Array.from({ length: experts }, (_, e) => ((e * 7919 + seed) % 13) * 0.0731),
  );

export const moeTopkCases: ConformanceCase<typeof op>[] = [
  c('T=1 E=8 k=2 softmax', (s) => ({ logits: routerLogits('f32', 1, 8, s), topK: 2 })),
  c('T=37 E=16 k=4 softmax renormalize bf16', (s) => ({
    logits: routerLogits('bf16', 37, 16, s),
    topK: 4,
    renormalize: true,
  })),
  c('T=19 E=64 k=8 sigmoid + bias, scale 2.5 (DeepSeek-V3)', (s) => ({
    logits: routerLogits('f32', 19, 64, s),
    topK: 8,
    scoring: 'sigmoid',
    bias: bias(64, s),
    scale: 2.5,
  })),
  c('T=8 E=32 k=6 sigmoid without renormalize f16', (s) => ({
    logits: routerLogits('f16', 8, 32, s),
    topK: 6,
    scoring: 'sigmoid',
    renormalize: false,
  })),
  c('DeepSeek-V3 grouped: E=64, 8 groups, best 4, k=8, sigmoid + bias', (s) => ({
    logits: routerLogits('f32', 21, 64, s),
    topK: 8,
    scoring: 'sigmoid',
    bias: bias(64, s),
    scale: 2.5,
    numGroups: 8,
    topkGroup: 4,
  })),
  c('DeepSeek-V2 grouped: E=16, 4 groups, best 2, k=3, softmax', (s) => ({
    logits: routerLogits('bf16', 11, 16, s),
    topK: 3,
    numGroups: 4,
    topkGroup: 2,
  })),
  c('one expert per group with bias (group score = that key)', (s) => ({
    logits: routerLogits('f32', 5, 8, s),
    topK: 2,
    bias: bias(8, s),
    numGroups: 8,
    topkGroup: 3,
  })),
  c('k = E = 5 (every expert)', (s) => ({ logits: routerLogits('f32', 6, 5, s), topK: 5 })),
  c('tied logits: lower id first', (s) => ({ logits: tiedLogits(9, 12, s), topK: 3, renormalize: true })),
  c('T=0', () => ({ logits: Tensor.host('f32', [0, 8]), topK: 2 })),
  c('given outputs', (s) => ({
    logits: routerLogits('f32', 5, 10, s),
    topK: 3,
    outIds: Tensor.host('i32', [5, 3]),
    outWeights: Tensor.host('f32', [5, 3]),
  })),
];

const L = (s: number) => routerLogits('f32', 4, 8, s);

export const moeTopkBadInputs: BadInputCase<typeof op>[] = [
  bad(op, 'logits not a tensor', 'E_UNSUPPORTED', `${op}.logits`, () => ({ logits: [1, 2] as any, topK: 1 })),
  bad(op, 'logits of i32', 'E_DTYPE', `${op}.logits`, (s) => ({
    logits: randomTensor('i32', [4, 8], { seed: s }),
    topK: 2,
  })),
  bad(op, 'logits of rank 3', 'E_SHAPE', `${op}.logits`, (s) => ({
    logits: randomTensor('f32', [2, 4, 8], { seed: s }),
    topK: 2,
  })),
  bad(op, 'transposed logits', 'E_LAYOUT', `${op}.logits`, (s) => ({
    logits: routerLogits('f32', 8, 4, s).transpose(0, 1),
    topK: 2,
  })),
  bad(op, 'zero experts', 'E_SHAPE', `${op}.logits`, () => ({ logits: Tensor.host('f32', [3, 0]), topK: 1 })),
  bad(op, 'topK 0', 'E_RANGE', `${op}.topK`, (s) => ({ logits: L(s), topK: 0 })),
  bad(op, 'topK > E', 'E_RANGE', `${op}.topK`, (s) => ({ logits: L(s), topK: 9 })),
  bad(op, 'topK 1.5', 'E_RANGE', `${op}.topK`, (s) => ({ logits: L(s), topK: 1.5 })),
  bad(op, 'unknown scoring', 'E_UNSUPPORTED', `${op}.scoring`, (s) => ({
    logits: L(s),
    topK: 2,
    scoring: 'relu' as any,
  })),
  bad(op, 'renormalize not boolean', 'E_UNSUPPORTED', `${op}.renormalize`, (s) => ({
    logits: L(s),
    topK: 2,
    renormalize: 1 as any,
  })),
  bad(op, 'infinite scale', 'E_RANGE', `${op}.scale`, (s) => ({ logits: L(s), topK: 2, scale: Infinity })),
  bad(op, 'bias of wrong length', 'E_SHAPE', `${op}.bias`, (s) => ({
    logits: L(s),
    topK: 2,
    bias: bias(7, s),
  })),
  bad(op, 'bias of bf16', 'E_DTYPE', `${op}.bias`, (s) => ({
    logits: L(s),
    topK: 2,
    bias: randomTensor('bf16', [8], { seed: s }),
  })),
  bad(op, 'infinite logit', 'E_RANGE', `${op}.logits`, () => ({
    logits: tensorFrom('f32', [1, 4], [0, Number.POSITIVE_INFINITY, 1, 2]),
    topK: 1,
  })),
  bad(op, 'numGroups not dividing E', 'E_SHAPE', `${op}.numGroups`, (s) => ({
    logits: L(s),
    topK: 2,
    numGroups: 3,
    topkGroup: 1,
  })),
  bad(op, 'numGroups above 32', 'E_RANGE', `${op}.numGroups`, (s) => ({
    logits: routerLogits('f32', 2, 64, s),
    topK: 2,
    numGroups: 64,
    topkGroup: 1,
  })),
  bad(op, 'topkGroup > numGroups', 'E_RANGE', `${op}.topkGroup`, (s) => ({
    logits: L(s),
    topK: 2,
    numGroups: 4,
    topkGroup: 5,
  })),
  bad(op, 'topkGroup without numGroups', 'E_RANGE', `${op}.numGroups`, (s) => ({
    logits: L(s),
    topK: 2,
    topkGroup: 2,
  })),
  bad(op, 'topK beyond the allowed groups', 'E_RANGE', `${op}.topK`, (s) => ({
    logits: L(s),
    topK: 3,
    numGroups: 4,
    topkGroup: 1,
  })),
  bad(op, 'outIds of f32', 'E_DTYPE', `${op}.outIds`, (s) => ({
    logits: L(s),
    topK: 2,
    outIds: Tensor.host('f32', [4, 2]),
  })),
  bad(op, 'outWeights of wrong shape', 'E_SHAPE', `${op}.outWeights`, (s) => ({
    logits: L(s),
    topK: 2,
    outWeights: Tensor.host('f32', [4, 3]),
  })),
];
