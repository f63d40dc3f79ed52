import type { GetPagedMqaLogitsMetadataArgs } from '../../ops/get-paged-mqa-logits-metadata.js';
import { Tensor } from '../../tensor.js';
import type { BadInputCase, ConformanceCase } from '../types.js';
import { outOf, rnd } from './common.js';
import { i32 } from './grouped-helpers.js';

/** Integer schedule: must match exactly. */
const EXACT = { calcDiff: 0, maxAbs: 0 };

const c = (name: string, build: (seed: number) => GetPagedMqaLogitsMetadataArgs) => ({
  op: 'getPagedMqaLogitsMetadata' as const,
  name,
  build,
  tolerance: EXACT,
});

const withOut = (a: Omit<GetPagedMqaLogitsMetadataArgs, 'out'>): GetPagedMqaLogitsMetadataArgs => ({
  ...a,
  out: outOf('i32', [a.numSms + 1, 2]),
});

export const getPagedMqaLogitsMetadataCases: ConformanceCase<'getPagedMqaLogitsMetadata'>[] = [
  c('1-D lengths incl. zero, blockKv 64, 8 SMs', () =>
    withOut({ contextLens: i32([1000, 0, 257, 64, 1]), blockKv: 64, numSms: 8 }),
  ),
  c('2-D lengths, blockKv 32, 5 SMs', () =>
    withOut({ contextLens: i32([100, 130, 0, 5, 700, 600], [3, 2]), blockKv: 32, numSms: 5 }),
  ),
  c('all-zero lengths', () => withOut({ contextLens: i32([0, 0, 0]), blockKv: 64, numSms: 4 })),
  c('non-contiguous 1-D lengths (every other entry)', () => {
    const base = i32([513, -7, 90, -7, 2048, -7, 3, -7]);
    return withOut({ contextLens: new Tensor('i32', [4], base.storage, [2], 0), blockKv: 64, numSms: 6 });
  }),
  c('non-contiguous 2-D lengths (transposed view)', () =>
    withOut({ contextLens: i32([70, 0, 900, 65, 1, 1000], [2, 3]).transpose(0, 1), blockKv: 32, numSms: 3 }),
  ),
  c('more SMs than splits, allocated output', (seed) => ({
    contextLens: rnd('i32', [3], seed, 1, { dist: 'uniform', low: 0, high: 600 }),
    blockKv: 64,
    numSms: 132,
  })),
];

const OP = 'getPagedMqaLogitsMetadata';
const good = (): GetPagedMqaLogitsMetadataArgs =>
  withOut({ contextLens: i32([10, 300]), blockKv: 64, numSms: 4 });
const bad = (
  name: string,
  code: BadInputCase['code'],
  arg: string,
  mutate: (a: GetPagedMqaLogitsMetadataArgs, seed: number) => GetPagedMqaLogitsMetadataArgs,
): BadInputCase<'getPagedMqaLogitsMetadata'> => ({
  op: OP,
  name,
  code,
  arg,
  build: (seed) => mutate(good(), seed),
});

export const getPagedMqaLogitsMetadataBadInputs: BadInputCase<'getPagedMqaLogitsMetadata'>[] = [
  bad('contextLens of dtype i64', 'E_DTYPE', `${OP}.contextLens`, (a, s) => ({
    ...a,
    contextLens: rnd('i64', [2], s, 9),
  })),
  bad('contextLens of dtype f32', 'E_DTYPE', `${OP}.contextLens`, (a, s) => ({
    ...a,
    contextLens: rnd('f32', [2], s, 9),
  })),
  bad('contextLens of rank 3', 'E_SHAPE', `${OP}.contextLens`, (a) => ({
    ...a,
    contextLens: i32([1, 2], [1, 1, 2]),
  })),
  bad('contextLens of rank 0', 'E_SHAPE', `${OP}.contextLens`, (a) => ({ ...a, contextLens: i32([1], []) })),
  bad('contextLens not a tensor', 'E_UNSUPPORTED', `${OP}.contextLens`, (a) => ({
    ...a,
    contextLens: [10, 300] as never,
  })),
  bad('blockKv 16', 'E_UNSUPPORTED', `${OP}.blockKv`, (a) => ({ ...a, blockKv: 16 })),
  bad('blockKv 128', 'E_UNSUPPORTED', `${OP}.blockKv`, (a) => ({ ...a, blockKv: 128 })),
  bad('numSms 0', 'E_RANGE', `${OP}.numSms`, (a) => ({ ...a, numSms: 0, out: undefined })),
  bad('numSms fractional', 'E_RANGE', `${OP}.numSms`, (a) => ({ ...a, numSms: 2.5, out: undefined })),
  bad('out with too few rows', 'E_SHAPE', `${OP}.out`, (a) => ({ ...a, out: outOf('i32', [4, 2]) })),
  bad('out of dtype i64', 'E_DTYPE', `${OP}.out`, (a) => ({ ...a, out: outOf('i64', [5, 2]) })),
  bad('out with strided columns', 'E_LAYOUT', `${OP}.out`, (a) => ({
    ...a,
    out: outOf('i32', [2, 5]).transpose(0, 1),
  })),
];
