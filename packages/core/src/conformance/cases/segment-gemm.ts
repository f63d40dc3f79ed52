import type { SegmentGemmArgs } from '../../ops/segment-gemm.js';
import type { BadInputCase, ConformanceCase } from '../types.js';
import { TOLERANCE } from '../types.js';
import { outOf, rnd } from './common.js';
import { i32, i64 } from './grouped-helpers.js';

interface Setup {
  rows: number;
  dIn: number;
  dOut: number;
  numWeights: number;
  dtype?: 'bf16' | 'f16';
  columnMajor?: boolean;
  segLens?: number[];
  segIndptr?: number[];
  weightIndices?: number[];
  index?: 'i32' | 'i64';
  noOut?: boolean;
}

export function segmentArgs(seed: number, s: Setup): SegmentGemmArgs {
  const dt = s.dtype ?? 'bf16';
  const idx = s.index === 'i64' ? i64 : i32;
  const batch = s.segIndptr ? s.segIndptr.length - 1 : (s.segLens?.length ?? 0);
  return {
    x: rnd(dt, [s.rows, s.dIn], seed, 1),
    weights: rnd(dt, s.columnMajor ? [s.numWeights, s.dOut, s.dIn] : [s.numWeights, s.dIn, s.dOut], seed, 2),
    batchSize: batch,
    weightColumnMajor: s.columnMajor ?? false,
    segLens: s.segLens ? idx(s.segLens) : undefined,
    segIndptr: s.segIndptr ? idx(s.segIndptr) : undefined,
    weightIndices: s.weightIndices ? idx(s.weightIndices) : undefined,
    out: s.noOut ? undefined : outOf(dt, [s.rows, s.dOut]),
  };
}

const c = (name: string, s: Setup, allowNonFinite = false): ConformanceCase<'segmentGemm'> => ({
  op: 'segmentGemm',
  name,
  build: (seed) => segmentArgs(seed, s),
  allowNonFinite,
  tolerance: TOLERANCE.dequantized,
});

export const segmentGemmCases: ConformanceCase<'segmentGemm'>[] = [
  c('segLens [1,2,3,4] (i64), row-major weights', {
    rows: 10,
    dIn: 128,
    dOut: 64,
    numWeights: 4,
    segLens: [1, 2, 3, 4],
    index: 'i64',
  }),
  c('column-major weights with weightIndices, segIndptr i32, f16', {
    rows: 10,
    dIn: 96,
    dOut: 40,
    numWeights: 2,
    dtype: 'f16',
    columnMajor: true,
    segIndptr: [0, 1, 3, 6, 10],
    weightIndices: [0, 1, 0, 1],
    index: 'i32',
  }),
  {
    op: 'segmentGemm',
    name: 'segLens i32 with weightIndices i64 (index widths mixed)',
    build: (seed) => ({
      ...segmentArgs(seed, { rows: 9, dIn: 32, dOut: 16, numWeights: 3, segLens: [4, 0, 5], index: 'i32' }),
      weightIndices: i64([2, 0, 1]),
    }),
    tolerance: TOLERANCE.dequantized,
  },
  {
    op: 'segmentGemm',
    name: 'segIndptr i64 with weightIndices i32 (index widths mixed)',
    build: (seed) => ({
      ...segmentArgs(seed, { rows: 9, dIn: 32, dOut: 16, numWeights: 3, segIndptr: [0, 4, 9], index: 'i64' }),
      weightIndices: i32([1, 1]),
    }),
    tolerance: TOLERANCE.dequantized,
  },
  c('zero-length segments', { rows: 8, dIn: 32, dOut: 24, numWeights: 4, segLens: [0, 5, 0, 3] }),
  c(
    'rows outside every segment stay untouched',
    { rows: 12, dIn: 16, dOut: 8, numWeights: 2, segIndptr: [2, 5, 9] },
    true,
  ),
  c('no rows (empty segments only)', { rows: 0, dIn: 16, dOut: 8, numWeights: 2, segLens: [0, 0] }),
  c('batchSize 0', { rows: 3, dIn: 16, dOut: 8, numWeights: 1, segLens: [] }, true),
  // Hopper-kernel sizes: segments longer than a 128-row tile, several 64-wide K and N chunks, edges in both.
  c(
    'long segments (130, 300, 77 rows), dIn 384, dOut 320, row-major',
    {
      rows: 520,
      dIn: 384,
      dOut: 320,
      numWeights: 3,
      segIndptr: [5, 135, 435, 512],
    },
    true,
  ),
  c('long segments, column-major f16 with weightIndices, dIn 200, dOut 264', {
    rows: 400,
    dIn: 200,
    dOut: 264,
    numWeights: 2,
    dtype: 'f16',
    columnMajor: true,
    segLens: [129, 0, 200, 71],
    weightIndices: [1, 0, 0, 1],
  }),
  c('row-major weights with weightIndices, dOut 200 (partial 64-column chunk), i64 lens', {
    rows: 300,
    dIn: 136,
    dOut: 200,
    numWeights: 4,
    segLens: [64, 65, 171],
    weightIndices: [3, 3, 0],
    index: 'i64',
  }),
  c('odd dims, out allocated by the kernel', {
    rows: 7,
    dIn: 37,
    dOut: 23,
    numWeights: 3,
    segLens: [2, 5],
    noOut: true,
  }),
];

const OP = 'segmentGemm';
const good = (seed: number) =>
  segmentArgs(seed, { rows: 6, dIn: 16, dOut: 8, numWeights: 2, segLens: [2, 4] });
const bad = (
  name: string,
  code: BadInputCase['code'],
  arg: string,
  mutate: (a: SegmentGemmArgs, seed: number) => SegmentGemmArgs,
): BadInputCase<'segmentGemm'> => ({ op: OP, name, code, arg, build: (seed) => mutate(good(seed), seed) });

export const segmentGemmBadInputs: BadInputCase<'segmentGemm'>[] = [
  bad('x of dtype e4m3', 'E_DTYPE', `${OP}.x`, (a, s) => ({ ...a, x: rnd('e4m3', [6, 16], s, 9) })),
  bad('weights of another dtype', 'E_DTYPE', `${OP}.weights`, (a, s) => ({
    ...a,
    weights: rnd('f16', [2, 16, 8], s, 9),
  })),
  bad('weights dIn mismatch', 'E_SHAPE', `${OP}.weights`, (a, s) => ({
    ...a,
    weights: rnd('bf16', [2, 15, 8], s, 9),
  })),
  bad('column-major flag with row-major shape', 'E_SHAPE', `${OP}.weights`, (a) => ({
    ...a,
    weightColumnMajor: true,
  })),
  bad('x with strided columns', 'E_LAYOUT', `${OP}.x`, (a, s) => ({
    ...a,
    x: rnd('bf16', [16, 6], s, 9).transpose(0, 1),
  })),
  bad('neither segLens nor segIndptr', 'E_UNSUPPORTED', `${OP}.segLens`, (a) => ({
    ...a,
    segLens: undefined,
  })),
  bad('segLens of dtype f32', 'E_DTYPE', `${OP}.segLens`, (a, s) => ({
    ...a,
    segLens: rnd('f32', [2], s, 9),
  })),
  bad('segLens longer than batchSize', 'E_SHAPE', `${OP}.segLens`, (a) => ({
    ...a,
    segLens: i64([2, 4, 0]),
  })),
  bad('negative segment length', 'E_RANGE', `${OP}.segLens`, (a) => ({ ...a, segLens: i64([-1, 4]) })),
  bad('segments longer than x', 'E_RANGE', `${OP}.segLens`, (a) => ({ ...a, segLens: i64([3, 4]) })),
  bad('segIndptr decreasing', 'E_RANGE', `${OP}.segIndptr`, (a) => ({ ...a, segIndptr: i64([0, 4, 2]) })),
  bad('segIndptr of the wrong length', 'E_SHAPE', `${OP}.segIndptr`, (a) => ({
    ...a,
    segIndptr: i64([0, 6]),
  })),
  bad('weight index out of range', 'E_RANGE', `${OP}.weightIndices`, (a) => ({
    ...a,
    weightIndices: i64([0, 2]),
  })),
  bad('fewer weights than segments without indices', 'E_SHAPE', `${OP}.weights`, (a, s) => ({
    ...a,
    weights: rnd('bf16', [1, 16, 8], s, 9),
  })),
  bad('batchSize negative', 'E_RANGE', `${OP}.batchSize`, (a) => ({ ...a, batchSize: -1 })),
  bad('weightColumnMajor missing', 'E_UNSUPPORTED', `${OP}.weightColumnMajor`, (a) => ({
    ...a,
    weightColumnMajor: undefined as unknown as boolean,
  })),
  bad('weights with dOut strided', 'E_LAYOUT', `${OP}.weights`, (a, s) => ({
    ...a,
    weights: rnd('bf16', [2, 8, 16], s, 9).transpose(1, 2),
  })),
  bad('weightIndices of dtype f32', 'E_DTYPE', `${OP}.weightIndices`, (a, s) => ({
    ...a,
    weightIndices: rnd('f32', [2], s, 9),
  })),
  bad('out of the wrong dtype', 'E_DTYPE', `${OP}.out`, (a) => ({ ...a, out: outOf('f16', [6, 8]) })),
];
