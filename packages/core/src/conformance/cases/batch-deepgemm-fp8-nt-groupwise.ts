import type { BatchDeepgemmFp8NtGroupwiseArgs } from '../../ops/batch-deepgemm-fp8-nt-groupwise.js';
import type { BadInputCase, ConformanceCase } from '../types.js';
import { TOLERANCE } from '../types.js';
import { outOf, rnd, scales } from './common.js';
import { i32 } from './grouped-helpers.js';

interface Setup {
  masked: number[];
  m: number;
  n: number;
  k: number;
  outDtype?: 'bf16' | 'f16';
}

export function batchDeepgemmArgs(seed: number, s: Setup): BatchDeepgemmFp8NtGroupwiseArgs {
  const b = s.masked.length;
  const kb = Math.ceil(s.k / 128);
  return {
    a: rnd('e4m3', [b, s.m, s.k], seed, 1),
    b: rnd('e4m3', [b, s.n, s.k], seed, 2),
    aScale: scales([b, s.m, kb], seed, 3),
    bScale: scales([b, Math.ceil(s.n / 128), kb], seed, 4),
    maskedM: i32(s.masked),
    expectedM: Math.min(s.m, Math.ceil(s.masked.reduce((x, y) => x + y, 0) / Math.max(1, b)) + 1),
    out: outOf(s.outDtype ?? 'bf16', [b, s.m, s.n]),
    outDtype: s.outDtype,
  };
}

const c = (name: string, s: Setup): ConformanceCase<'batchDeepgemmFp8NtGroupwise'> => ({
  op: 'batchDeepgemmFp8NtGroupwise',
  name,
  build: (seed) => batchDeepgemmArgs(seed, s),
  allowNonFinite: true,
  tolerance: TOLERANCE.dequantized,
});

export const batchDeepgemmFp8NtGroupwiseCases: ConformanceCase<'batchDeepgemmFp8NtGroupwise'>[] = [
  c('2 groups, m=64 n=256 k=256', { masked: [64, 17], m: 64, n: 256, k: 256 }),
  c('all groups masked', { masked: [0, 0, 0], m: 8, n: 128, k: 128 }),
  c('f16 output, odd n=72, k=384', { masked: [3, 11], m: 11, n: 72, k: 384, outDtype: 'f16' }),
  c('m=0', { masked: [0, 0], m: 0, n: 16, k: 128 }),
  c('m=1', { masked: [1, 1, 0], m: 1, n: 40, k: 128 }),
];

const OP = 'batchDeepgemmFp8NtGroupwise';
const good = (seed: number) => batchDeepgemmArgs(seed, { masked: [4, 2], m: 8, n: 32, k: 128 });
const bad = (
  name: string,
  code: BadInputCase['code'],
  arg: string,
  mutate: (a: BatchDeepgemmFp8NtGroupwiseArgs, seed: number) => BatchDeepgemmFp8NtGroupwiseArgs,
): BadInputCase<'batchDeepgemmFp8NtGroupwise'> => ({
  op: OP,
  name,
  code,
  arg,
  build: (seed) => mutate(good(seed), seed),
});

export const batchDeepgemmFp8NtGroupwiseBadInputs: BadInputCase<'batchDeepgemmFp8NtGroupwise'>[] = [
  bad('a of dtype e5m2', 'E_DTYPE', `${OP}.a`, (a, s) => ({ ...a, a: rnd('e5m2', [2, 8, 128], s, 9) })),
  bad('b of dtype bf16', 'E_DTYPE', `${OP}.b`, (a, s) => ({ ...a, b: rnd('bf16', [2, 32, 128], s, 9) })),
  bad('batch mismatch', 'E_SHAPE', `${OP}.b`, (a, s) => ({ ...a, b: rnd('e4m3', [3, 32, 128], s, 9) })),
  bad('b with K strided', 'E_LAYOUT', `${OP}.b`, (a, s) => ({
    ...a,
    b: rnd('e4m3', [2, 128, 32], s, 9).transpose(1, 2),
  })),
  bad('K = 136 (not a multiple of 16)', 'E_ALIGN', `${OP}.a`, (a, s) => ({
    ...a,
    a: rnd('e4m3', [2, 8, 136], s, 9),
    b: rnd('e4m3', [2, 32, 136], s, 9),
    aScale: scales([2, 8, 2], s, 9),
    bScale: scales([2, 1, 2], s, 9),
  })),
  bad('aScale per 128 rows', 'E_SHAPE', `${OP}.aScale`, (a, s) => ({
    ...a,
    aScale: scales([2, 1, 1], s, 9),
  })),
  bad('bScale per row', 'E_SHAPE', `${OP}.bScale`, (a, s) => ({ ...a, bScale: scales([2, 32, 1], s, 9) })),
  bad('maskedM > m', 'E_RANGE', `${OP}.maskedM`, (a) => ({ ...a, maskedM: i32([4, 9]) })),
  bad('negative maskedM', 'E_RANGE', `${OP}.maskedM`, (a) => ({ ...a, maskedM: i32([-3, 2]) })),
  bad('maskedM of dtype f32', 'E_DTYPE', `${OP}.maskedM`, (a, s) => ({
    ...a,
    maskedM: rnd('f32', [2], s, 9),
  })),
  bad('expectedM missing', 'E_RANGE', `${OP}.expectedM`, (a) => ({
    ...a,
    expectedM: undefined as unknown as number,
  })),
  bad('granularity [1, 128, 256]', 'E_UNSUPPORTED', `${OP}.scaleGranularityMnk`, (a) => ({
    ...a,
    scaleGranularityMnk: [1, 128, 256],
  })),
  bad('out of dtype f32', 'E_DTYPE', `${OP}.out`, (a) => ({ ...a, out: outOf('f32', [2, 8, 32]) })),
  bad('out of the wrong shape', 'E_SHAPE', `${OP}.out`, (a) => ({ ...a, out: outOf('bf16', [2, 9, 32]) })),
];
