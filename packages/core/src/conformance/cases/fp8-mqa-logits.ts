import type { Fp8MqaLogitsArgs } from '../../ops/fp8-mqa-logits.js';
import type { BadInputCase, ConformanceCase } from '../types.js';
import { TOLERANCE } from '../types.js';
import { outOf, rnd, scales } from './common.js';
import { i32 } from './grouped-helpers.js';

interface Setup {
  heads: number;
  dim: number;
  seqLenKv: number;
  starts: number[];
  ends: number[];
  clean: boolean;
}

export function mqaArgs(seed: number, s: Setup): Fp8MqaLogitsArgs {
  const seq = s.starts.length;
  return {
    q: rnd('e4m3', [seq, s.heads, s.dim], seed, 1),
    k: rnd('e4m3', [s.seqLenKv, s.dim], seed, 2),
    kScale: scales([s.seqLenKv], seed, 3, 0.01, 0.1),
    weights: rnd('f32', [seq, s.heads], seed, 4, { std: 0.5 }),
    cuSeqLenKStart: i32(s.starts),
    cuSeqLenKEnd: i32(s.ends),
    cleanLogits: s.clean,
    out: outOf('f32', [seq, s.seqLenKv]),
  };
}

const c = (name: string, s: Setup): ConformanceCase<'fp8MqaLogits'> => ({
  op: 'fp8MqaLogits',
  name,
  build: (seed) => mqaArgs(seed, s),
  allowNonFinite: true,
  tolerance: TOLERANCE.dequantized,
});

const base: Setup = {
  heads: 8,
  dim: 64,
  seqLenKv: 40,
  starts: [0, 0, 5, 12, 40],
  ends: [1, 17, 5, 40, 40],
  clean: true,
};

export const fp8MqaLogitsCases: ConformanceCase<'fp8MqaLogits'>[] = [
  c('ragged windows incl. empty, cleanLogits', base),
  c('cleanLogits off (outside untouched)', { ...base, clean: false }),
  c('one row, H 32, D 128', { heads: 32, dim: 128, seqLenKv: 200, starts: [17], ends: [190], clean: true }),
  c('no query rows', { ...base, starts: [], ends: [] }),
];

const OP = 'fp8MqaLogits';
const good = (seed: number) => mqaArgs(seed, { ...base, starts: [0, 3], ends: [10, 40] });
const bad = (
  name: string,
  code: BadInputCase['code'],
  arg: string,
  mutate: (a: Fp8MqaLogitsArgs, seed: number) => Fp8MqaLogitsArgs,
): BadInputCase<'fp8MqaLogits'> => ({ op: OP, name, code, arg, build: (seed) => mutate(good(seed), seed) });

export const fp8MqaLogitsBadInputs: BadInputCase<'fp8MqaLogits'>[] = [
  bad('q of dtype e5m2', 'E_DTYPE', `${OP}.q`, (a, s) => ({ ...a, q: rnd('e5m2', [2, 8, 64], s, 9) })),
  bad('q of rank 4', 'E_SHAPE', `${OP}.q`, (a, s) => ({ ...a, q: rnd('e4m3', [2, 1, 8, 64], s, 9) })),
  bad('4 heads', 'E_UNSUPPORTED', `${OP}.q`, (a, s) => ({ ...a, q: rnd('e4m3', [2, 4, 64], s, 9) })),
  bad('k with another D', 'E_SHAPE', `${OP}.k`, (a, s) => ({ ...a, k: rnd('e4m3', [40, 128], s, 9) })),
  bad('k with D strided', 'E_LAYOUT', `${OP}.k`, (a, s) => ({
    ...a,
    k: rnd('e4m3', [64, 40], s, 9).transpose(0, 1),
  })),
  bad('kScale of the wrong length', 'E_SHAPE', `${OP}.kScale`, (a, s) => ({
    ...a,
    kScale: scales([39], s, 9),
  })),
  bad('kScale of dtype bf16', 'E_DTYPE', `${OP}.kScale`, (a, s) => ({
    ...a,
    kScale: rnd('bf16', [40], s, 9),
  })),
  bad('weights transposed shape', 'E_SHAPE', `${OP}.weights`, (a, s) => ({
    ...a,
    weights: rnd('f32', [8, 2], s, 9),
  })),
  bad('start beyond SKv', 'E_RANGE', `${OP}.cuSeqLenKStart`, (a) => ({ ...a, cuSeqLenKStart: i32([0, 41]) })),
  bad('negative start', 'E_RANGE', `${OP}.cuSeqLenKStart`, (a) => ({ ...a, cuSeqLenKStart: i32([-1, 3]) })),
  bad('end before start', 'E_RANGE', `${OP}.cuSeqLenKEnd`, (a) => ({ ...a, cuSeqLenKEnd: i32([10, 2]) })),
  bad('end beyond SKv', 'E_RANGE', `${OP}.cuSeqLenKEnd`, (a) => ({ ...a, cuSeqLenKEnd: i32([10, 41]) })),
  bad('starts of dtype i64', 'E_DTYPE', `${OP}.cuSeqLenKStart`, (a, s) => ({
    ...a,
    cuSeqLenKStart: rnd('i64', [2], s, 9),
  })),
  bad('ends of the wrong length', 'E_SHAPE', `${OP}.cuSeqLenKEnd`, (a) => ({
    ...a,
    cuSeqLenKEnd: i32([10]),
  })),
  bad('cleanLogits as a number', 'E_UNSUPPORTED', `${OP}.cleanLogits`, (a) => ({
    ...a,
    cleanLogits: 1 as unknown as boolean,
  })),
  bad('out of the wrong shape', 'E_SHAPE', `${OP}.out`, (a) => ({ ...a, out: outOf('f32', [2, 41]) })),
];
