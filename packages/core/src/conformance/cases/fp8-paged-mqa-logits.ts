import type { Fp8PagedMqaLogitsArgs } from '../../ops/fp8-paged-mqa-logits.js';
import { scheduleLengths } from '../../ops/grouped/mqa-schedule.js';
import { Tensor } from '../../tensor.js';
import type { BadInputCase, ConformanceCase } from '../types.js';
import { TOLERANCE } from '../types.js';
import { outOf, rnd } from './common.js';
import { blockTableFor, i32, pagedKvCache, scheduleFor } from './grouped-helpers.js';

interface Setup {
  batch: number;
  nextN: number;
  heads: number;
  dim: number;
  blockKv: number;
  /** Row-major lengths: `[B]` or `[B, nextN]` (twoD). */
  lens: number[];
  twoD?: boolean;
  maxContextLen: number;
  clean: boolean;
  numSms?: number;
  /** Extra unused block-table entries per sequence (filled with -1). */
  tail?: number;
}

export function pagedArgs(seed: number, s: Setup): Fp8PagedMqaLogitsArgs {
  const twoD = s.twoD ?? false;
  const lengths = scheduleLengths(s.lens, s.batch, s.nextN, twoD);
  const pages = lengths.map((l) => Math.ceil(l / s.blockKv));
  const maxBlocks = Math.max(1, ...pages) + (s.tail ?? 1);
  const numBlocks = pages.reduce((x, y) => x + y, 0) + 2;
  const numSms = s.numSms ?? 4;
  return {
    q: rnd('e4m3', [s.batch, s.nextN, s.heads, s.dim], seed, 1),
    fusedKvCache: pagedKvCache(numBlocks, s.blockKv, s.dim, seed * 131 + 2).cache,
    weights: rnd('f32', [s.batch * s.nextN, s.heads], seed, 3, { std: 0.5 }),
    contextLens: i32(s.lens, twoD ? [s.batch, s.nextN] : [s.batch]),
    blockTable: blockTableFor(pages, maxBlocks, numBlocks, seed * 131 + 4),
    scheduleMeta: scheduleFor(s.lens, s.batch, s.nextN, twoD, s.blockKv, numSms),
    maxContextLen: s.maxContextLen,
    cleanLogits: s.clean,
    out: outOf('f32', [s.batch * s.nextN, s.maxContextLen]),
  };
}

const c = (name: string, s: Setup): ConformanceCase<'fp8PagedMqaLogits'> => ({
  op: 'fp8PagedMqaLogits',
  name,
  build: (seed) => pagedArgs(seed, s),
  // -inf (cleanLogits) or untouched NaN-poisoned positions must match the reference exactly.
  allowNonFinite: true,
  tolerance: TOLERANCE.dequantized,
});

const base: Setup = {
  batch: 2,
  nextN: 2,
  heads: 8,
  dim: 128,
  blockKv: 64,
  lens: [150, 3],
  maxContextLen: 192,
  clean: true,
};

export const fp8PagedMqaLogitsCases: ConformanceCase<'fp8PagedMqaLogits'>[] = [
  c('1-D lengths, nextN 2, cleanLogits, unused table tail', { ...base, tail: 2 }),
  c('1-D lengths, cleanLogits off (tail untouched)', { ...base, clean: false }),
  c('2-D lengths, blockKv 32, D 64, H 16', {
    ...base,
    heads: 16,
    dim: 64,
    blockKv: 32,
    lens: [40, 0, 70, 65],
    twoD: true,
    maxContextLen: 80,
  }),
  c('empty batch', { ...base, batch: 0, lens: [], maxContextLen: 8 }),
  c('zero lengths', { ...base, nextN: 1, lens: [0, 0], maxContextLen: 16 }),
  c('H 64, one long sequence over 9 SMs', {
    ...base,
    batch: 1,
    nextN: 1,
    heads: 64,
    lens: [300],
    maxContextLen: 320,
    numSms: 9,
  }),
  c('context shorter than nextN (1-D)', { ...base, nextN: 3, lens: [2, 64], maxContextLen: 64 }),
  {
    op: 'fp8PagedMqaLogits',
    name: 'scheduleMeta and contextLens as strided views, more splits than SMs',
    build: (seed) => {
      const a = pagedArgs(seed, { ...base, nextN: 1, lens: [700, 300], maxContextLen: 768 });
      // 1-D contextLens every other i32 of its storage.
      const lens = padColumns(a.contextLens.unsqueeze(1), 1);
      return {
        ...a,
        scheduleMeta: padColumns(a.scheduleMeta, 3),
        contextLens: new Tensor('i32', [2], lens.storage, [2], lens.offset),
      };
    },
    allowNonFinite: true,
    tolerance: TOLERANCE.dequantized,
  },
];

/** The same i32 values in a view whose rows are `pad` entries longer (row stride > columns); padding is -7. */
function padColumns(t: Tensor, pad: number): Tensor {
  const [rows, cols] = t.shape;
  const v = new Int32Array(t.hostBytes().slice().buffer);
  const wide = new Array<number>(rows * (cols + pad)).fill(-7);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) wide[r * (cols + pad) + c] = v[r * cols + c];
  return i32(wide, [rows, cols + pad]).narrow(1, 0, cols);
}

const OP = 'fp8PagedMqaLogits';
const goodSetup: Setup = { ...base, batch: 2, nextN: 1, lens: [70, 10], maxContextLen: 128 };
const good = (seed: number) => pagedArgs(seed, goodSetup);
// More splits (3 + 2 of 256 tokens) than SMs (4): schedules for another numSms or blockKv really differ.
const longSetup: Setup = { ...goodSetup, lens: [700, 300], maxContextLen: 768 };
const long = (seed: number) => pagedArgs(seed, longSetup);
const bad = (
  name: string,
  code: BadInputCase['code'],
  arg: string,
  mutate: (a: Fp8PagedMqaLogitsArgs, seed: number) => Fp8PagedMqaLogitsArgs,
): BadInputCase<'fp8PagedMqaLogits'> => ({
  op: OP,
  name,
  code,
  arg,
  build: (seed) => mutate(good(seed), seed),
});

export const fp8PagedMqaLogitsBadInputs: BadInputCase<'fp8PagedMqaLogits'>[] = [
  bad('q of dtype bf16', 'E_DTYPE', `${OP}.q`, (a, s) => ({ ...a, q: rnd('bf16', [2, 1, 8, 128], s, 9) })),
  bad('q of rank 3', 'E_SHAPE', `${OP}.q`, (a, s) => ({ ...a, q: rnd('e4m3', [2, 8, 128], s, 9) })),
  bad('12 heads', 'E_UNSUPPORTED', `${OP}.q`, (a, s) => ({ ...a, q: rnd('e4m3', [2, 1, 12, 128], s, 9) })),
  bad('index dim 96', 'E_UNSUPPORTED', `${OP}.q`, (a, s) => ({ ...a, q: rnd('e4m3', [2, 1, 8, 96], s, 9) })),
  bad('q with D strided', 'E_LAYOUT', `${OP}.q`, (a, s) => ({
    ...a,
    q: rnd('e4m3', [2, 1, 128, 8], s, 9).transpose(2, 3),
  })),
  bad('kv cache without the scale bytes', 'E_SHAPE', `${OP}.fusedKvCache`, (a, s) => ({
    ...a,
    fusedKvCache: rnd('u8', [4, 64, 1, 128], s, 9),
  })),
  bad('kv cache of dtype e4m3', 'E_DTYPE', `${OP}.fusedKvCache`, (a, s) => ({
    ...a,
    fusedKvCache: rnd('e4m3', [4, 64, 1, 132], s, 9),
  })),
  bad('kv page of 16 tokens', 'E_UNSUPPORTED', `${OP}.fusedKvCache`, (a, s) => ({
    ...a,
    fusedKvCache: rnd('u8', [4, 16, 1, 132], s, 9),
  })),
  bad('kv cache not contiguous', 'E_LAYOUT', `${OP}.fusedKvCache`, (a, s) => ({
    ...a,
    fusedKvCache: rnd('u8', [64, 4, 1, 132], s, 9).transpose(0, 1),
  })),
  bad('weights of the wrong shape', 'E_SHAPE', `${OP}.weights`, (a, s) => ({
    ...a,
    weights: rnd('f32', [2, 16], s, 9),
  })),
  bad('contextLens of dtype i64', 'E_DTYPE', `${OP}.contextLens`, (a) => ({
    ...a,
    contextLens: rnd('i64', [2], 1, 9),
  })),
  bad('contextLens with another batch', 'E_SHAPE', `${OP}.contextLens`, (a) => ({
    ...a,
    contextLens: i32([70, 10, 5]),
  })),
  bad('2-D contextLens with another nextN', 'E_SHAPE', `${OP}.contextLens`, (a) => ({
    ...a,
    contextLens: i32([70, 70, 10, 10], [2, 2]),
  })),
  bad('negative context length', 'E_RANGE', `${OP}.contextLens`, (a) => ({
    ...a,
    contextLens: i32([70, -1]),
  })),
  bad('context longer than maxContextLen', 'E_RANGE', `${OP}.contextLens`, (a) => ({
    ...a,
    maxContextLen: 64,
    out: undefined,
  })),
  bad('block table too short', 'E_RANGE', `${OP}.blockTable`, (a) => ({
    ...a,
    blockTable: i32([0, 1], [2, 1]),
  })),
  bad('page id outside the cache', 'E_RANGE', `${OP}.blockTable`, (a) => ({
    ...a,
    blockTable: i32([0, 99, -1, 1, -1, -1], [2, 3]),
  })),
  bad('block table of dtype i64', 'E_DTYPE', `${OP}.blockTable`, (a, s) => ({
    ...a,
    blockTable: rnd('i64', [2, 3], s, 9),
  })),
  bad('scheduleMeta from other lengths', 'E_RANGE', `${OP}.scheduleMeta`, (a) => ({
    ...a,
    scheduleMeta: scheduleFor([700, 10], 2, 1, false, 64, 4),
  })),
  {
    op: OP,
    name: 'scheduleMeta of 8 SMs cut to 4 SM rows (stale numSms)',
    code: 'E_RANGE',
    arg: `${OP}.scheduleMeta`,
    build: (seed) => ({
      ...long(seed),
      scheduleMeta: scheduleFor([700, 300], 2, 1, false, 64, 8).narrow(0, 0, 5),
    }),
  },
  {
    op: OP,
    name: 'scheduleMeta computed for blockKv 32',
    code: 'E_RANGE',
    arg: `${OP}.scheduleMeta`,
    build: (seed) => ({ ...long(seed), scheduleMeta: scheduleFor([700, 300], 2, 1, false, 32, 4) }),
  },
  {
    op: OP,
    name: 'stale scheduleMeta in a strided view',
    code: 'E_RANGE',
    arg: `${OP}.scheduleMeta`,
    build: (seed) => ({
      ...long(seed),
      scheduleMeta: padColumns(scheduleFor([700, 300], 2, 1, false, 64, 8).narrow(0, 0, 5), 3),
    }),
  },
  bad('scheduleMeta with 3 columns', 'E_SHAPE', `${OP}.scheduleMeta`, (a) => ({
    ...a,
    scheduleMeta: i32(new Array(15).fill(0), [5, 3]),
  })),
  bad('scheduleMeta of dtype i64', 'E_DTYPE', `${OP}.scheduleMeta`, (a, s) => ({
    ...a,
    scheduleMeta: rnd('i64', [5, 2], s, 9),
  })),
  bad('negative 2-D context length', 'E_RANGE', `${OP}.contextLens`, (a) => ({
    ...a,
    contextLens: i32([70, -5], [2, 1]),
  })),
  bad('scheduleMeta with one row', 'E_SHAPE', `${OP}.scheduleMeta`, (a) => ({
    ...a,
    scheduleMeta: i32([2, 0], [1, 2]),
  })),
  bad('maxContextLen negative', 'E_RANGE', `${OP}.maxContextLen`, (a) => ({
    ...a,
    maxContextLen: -1,
    out: undefined,
  })),
  bad('cleanLogits missing', 'E_UNSUPPORTED', `${OP}.cleanLogits`, (a) => ({
    ...a,
    cleanLogits: undefined as unknown as boolean,
  })),
  bad('out narrower than maxContextLen', 'E_SHAPE', `${OP}.out`, (a) => ({
    ...a,
    out: outOf('f32', [2, 127]),
  })),
  bad('out of dtype bf16', 'E_DTYPE', `${OP}.out`, (a) => ({ ...a, out: outOf('bf16', [2, 128]) })),
];
