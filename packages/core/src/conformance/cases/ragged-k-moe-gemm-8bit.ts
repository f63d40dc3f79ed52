import type { RaggedKMoeGemm8bitArgs } from '../../ops/ragged-k-moe-gemm-8bit.js';
import type { BadInputCase, ConformanceCase } from '../types.js';
import { TOLERANCE } from '../types.js';
import { outOf, rnd, scales } from './common.js';
import { i32, transposed } from './grouped-helpers.js';

interface Setup {
  counts: number[];
  /** Rows of A/B (≥ Σ counts). */
  kTotal: number;
  m: number;
  n: number;
  dtype?: 'e4m3' | 'e5m2';
  majorA?: 'M' | 'K';
  majorB?: 'N' | 'K';
}

export function raggedKArgs(seed: number, s: Setup): RaggedKMoeGemm8bitArgs {
  const dt = s.dtype ?? 'e4m3';
  const kb = Math.ceil(s.kTotal / 128);
  return {
    a: s.majorA === 'K' ? transposed(dt, s.kTotal, s.m, seed, 1) : rnd(dt, [s.kTotal, s.m], seed, 1),
    aScale: scales([kb, s.m], seed, 2),
    b: s.majorB === 'K' ? transposed(dt, s.kTotal, s.n, seed, 3) : rnd(dt, [s.kTotal, s.n], seed, 3),
    bScale: scales([kb, s.n], seed, 4),
    raggedTokensInfo: i32(s.counts),
    // The accumulator: real values, kept (copied per run) rather than poisoned.
    out: rnd('f32', [s.counts.length, s.m, s.n], seed, 5),
    majorA: s.majorA,
    majorB: s.majorB,
  };
}

const c = (name: string, s: Setup): ConformanceCase<'raggedKMoeGemm8bit'> => ({
  op: 'raggedKMoeGemm8bit',
  name,
  build: (seed) => raggedKArgs(seed, s),
  out: 'keep',
  tolerance: TOLERANCE.dequantized,
});

export const raggedKMoeGemm8bitCases: ConformanceCase<'raggedKMoeGemm8bit'>[] = [
  c('3 experts, one empty, m=24 n=40', { counts: [128, 0, 256], kTotal: 384, m: 24, n: 40 }),
  c('A and B K-major, unused K tail', {
    counts: [256, 128],
    kTotal: 512,
    m: 16,
    n: 33,
    majorA: 'K',
    majorB: 'K',
  }),
  c('all experts empty (out unchanged)', { counts: [0, 0, 0], kTotal: 256, m: 8, n: 8 }),
  c('m=1 n=1, e5m2', { counts: [128, 128], kTotal: 256, m: 1, n: 1, dtype: 'e5m2' }),
  c('m=0', { counts: [128, 0], kTotal: 128, m: 0, n: 16 }),
  c('odd m=37 n=19, K tail not a block multiple', { counts: [128], kTotal: 200, m: 37, n: 19 }),
  // Hopper-kernel sizes: several 128-row M/N tiles with partial edges, several K blocks per expert.
  c('m=200 n=300, 4 experts (one empty), 3-block expert', {
    counts: [384, 0, 256, 128],
    kTotal: 800,
    m: 200,
    n: 300,
  }),
  c('A and B K-major, m=256 n=136, e5m2', {
    counts: [128, 512],
    kTotal: 640,
    m: 256,
    n: 136,
    dtype: 'e5m2',
    majorA: 'K',
    majorB: 'K',
  }),
];

const OP = 'raggedKMoeGemm8bit';
const good = (seed: number) => raggedKArgs(seed, { counts: [128, 0, 128], kTotal: 256, m: 8, n: 16 });
const bad = (
  name: string,
  code: BadInputCase['code'],
  arg: string,
  mutate: (a: RaggedKMoeGemm8bitArgs, seed: number) => RaggedKMoeGemm8bitArgs,
): BadInputCase<'raggedKMoeGemm8bit'> => ({
  op: OP,
  name,
  code,
  arg,
  build: (seed) => mutate(good(seed), seed),
});

export const raggedKMoeGemm8bitBadInputs: BadInputCase<'raggedKMoeGemm8bit'>[] = [
  bad('a of dtype i8', 'E_DTYPE', `${OP}.a`, (a, s) => ({ ...a, a: rnd('i8', [256, 8], s, 9) })),
  bad('b dtype differs from a', 'E_DTYPE', `${OP}.b`, (a, s) => ({ ...a, b: rnd('e5m2', [256, 16], s, 9) })),
  bad('b with a different K', 'E_SHAPE', `${OP}.b`, (a, s) => ({ ...a, b: rnd('e4m3', [128, 16], s, 9) })),
  bad('a of rank 3', 'E_SHAPE', `${OP}.a`, (a, s) => ({ ...a, a: rnd('e4m3', [1, 256, 8], s, 9) })),
  bad('A K-major declared M-major', 'E_LAYOUT', `${OP}.a`, (a, s) => ({
    ...a,
    a: transposed('e4m3', 256, 8, s, 9),
  })),
  bad('B N-major declared K-major', 'E_LAYOUT', `${OP}.b`, (a) => ({ ...a, majorB: 'K' })),
  bad('aScale with per-128 M blocks', 'E_SHAPE', `${OP}.aScale`, (a, s) => ({
    ...a,
    aScale: scales([2, 1], s, 9),
  })),
  bad('bScale of dtype f16', 'E_DTYPE', `${OP}.bScale`, (a, s) => ({
    ...a,
    bScale: rnd('f16', [2, 16], s, 9),
  })),
  bad('granularity [1, 128, 128]', 'E_UNSUPPORTED', `${OP}.scaleGranularityMnk`, (a) => ({
    ...a,
    scaleGranularityMnk: [1, 128, 128],
  })),
  bad('gemmMode per_token', 'E_UNSUPPORTED', `${OP}.gemmMode`, (a) => ({
    ...a,
    gemmMode: 'per_token' as 'per_expert',
  })),
  bad('out missing', 'E_UNSUPPORTED', `${OP}.out`, (a) => ({
    ...a,
    out: undefined as unknown as RaggedKMoeGemm8bitArgs['out'],
  })),
  bad('out of dtype bf16', 'E_DTYPE', `${OP}.out`, (a) => ({ ...a, out: outOf('bf16', [3, 8, 16]) })),
  bad('out with one expert too few', 'E_SHAPE', `${OP}.out`, (a) => ({
    ...a,
    out: outOf('f32', [2, 8, 16]),
  })),
  bad('negative K count', 'E_RANGE', `${OP}.raggedTokensInfo`, (a) => ({
    ...a,
    raggedTokensInfo: i32([128, -128, 128]),
  })),
  bad('K count not a multiple of 128', 'E_ALIGN', `${OP}.raggedTokensInfo`, (a) => ({
    ...a,
    raggedTokensInfo: i32([100, 28, 128]),
  })),
  bad('K counts exceed K', 'E_RANGE', `${OP}.raggedTokensInfo`, (a) => ({
    ...a,
    raggedTokensInfo: i32([128, 128, 128]),
  })),
  bad('counts of rank 2', 'E_SHAPE', `${OP}.raggedTokensInfo`, (a) => ({
    ...a,
    raggedTokensInfo: i32([128, 0, 128], [1, 3]),
  })),
];
