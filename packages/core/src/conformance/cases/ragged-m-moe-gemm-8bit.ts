import type { RaggedMMode } from '../../ops/grouped/ragged-m-layout.js';
import type { RaggedMMoeGemm8bitArgs } from '../../ops/ragged-m-moe-gemm-8bit.js';
import type { BadInputCase, ConformanceCase } from '../types.js';
import { TOLERANCE } from '../types.js';
import { outOf, rnd, scales } from './common.js';
import { i32, i64, raggedLayout, transposed, transposedLast } from './grouped-helpers.js';

interface Setup {
  counts: number[];
  n: number;
  k: number;
  mode?: RaggedMMode;
  alignmentM?: 128 | 256;
  dtype?: 'e4m3' | 'e5m2';
  outDtype?: 'bf16' | 'f16';
  gn?: 1 | 128;
  majorA?: 'M' | 'K';
  majorB?: 'N' | 'K';
  /** Override the per-row ids (per_token) — for layouts that are not built from counts. */
  mIndices?: number[];
  noOut?: boolean;
}

export function raggedMArgs(seed: number, s: Setup): RaggedMMoeGemm8bitArgs {
  const align = s.alignmentM ?? 128;
  const lay = raggedLayout(s.counts, align);
  const mode = s.mode ?? 'per_token';
  const m = s.mIndices ? s.mIndices.length : lay.m;
  const e = s.counts.length;
  const dt = s.dtype ?? 'e4m3';
  const gn = s.gn ?? 128;
  const kb = Math.ceil(s.k / 128);
  const info =
    mode === 'per_token' ? (s.mIndices ?? lay.mIndices) : mode === 'psum_expert' ? lay.psum : lay.counts;
  return {
    a: s.majorA === 'M' ? transposed(dt, m, s.k, seed, 1) : rnd(dt, [m, s.k], seed, 1),
    aScale: scales([m, kb], seed, 2),
    b: s.majorB === 'N' ? transposedLast(dt, e, s.n, s.k, seed, 3) : rnd(dt, [e, s.n, s.k], seed, 3),
    bScale: scales([e, Math.ceil(s.n / gn), kb], seed, 4),
    raggedTokensInfo: i32(info),
    gemmMode: s.mode,
    majorA: s.majorA,
    majorB: s.majorB,
    scaleGranularityMnk: s.gn === 1 ? [1, 1, 128] : undefined,
    alignmentM: s.alignmentM,
    out: s.noOut ? undefined : outOf(s.outDtype ?? 'bf16', [m, s.n]),
    outDtype: s.outDtype,
  };
}

const c = (name: string, s: Setup): ConformanceCase<'raggedMMoeGemm8bit'> => ({
  op: 'raggedMMoeGemm8bit',
  name,
  build: (seed) => raggedMArgs(seed, s),
  // Padding rows stay NaN-poisoned on every backend (the contract leaves them untouched).
  allowNonFinite: true,
  tolerance: TOLERANCE.dequantized,
});

export const raggedMMoeGemm8bitCases: ConformanceCase<'raggedMMoeGemm8bit'>[] = [
  c('per_token, empty middle expert, n=136 k=256', { counts: [5, 0, 130], n: 136, k: 256 }),
  c('psum_expert, A M-major, B N-major', {
    counts: [3, 129, 0, 7],
    n: 72,
    k: 160,
    mode: 'psum_expert',
    majorA: 'M',
    majorB: 'N',
  }),
  c('per_expert, alignment 256, e5m2 → f16, gn=1', {
    counts: [2, 0, 9],
    n: 40,
    k: 128,
    mode: 'per_expert',
    alignmentM: 256,
    dtype: 'e5m2',
    outDtype: 'f16',
    gn: 1,
  }),
  c('M=1', { counts: [0, 1], n: 64, k: 128, mIndices: [1] }),
  c('M=0', { counts: [0, 0], n: 32, k: 128, mIndices: [] }),
  c('odd M=131, partial last block, k=144', {
    counts: [0, 0],
    n: 40,
    k: 144,
    mIndices: [...new Array(128).fill(1), 0, 0, 0],
  }),
  c('all rows padding', { counts: [0, 0, 0], n: 24, k: 64, mIndices: new Array(20).fill(-1) }),
  c('per_expert without padding, out allocated by the kernel', {
    counts: [128, 128],
    n: 48,
    k: 64,
    mode: 'per_expert',
    noOut: true,
  }),
];

const good = (seed: number) => raggedMArgs(seed, { counts: [3, 0, 2], n: 32, k: 128 });
const bad = (
  name: string,
  code: BadInputCase['code'],
  arg: string,
  mutate: (a: RaggedMMoeGemm8bitArgs, seed: number) => RaggedMMoeGemm8bitArgs,
): BadInputCase<'raggedMMoeGemm8bit'> => ({
  op: 'raggedMMoeGemm8bit',
  name,
  code,
  arg,
  build: (seed) => mutate(good(seed), seed),
});
const M = 130; // rows of `good`: [0,3) expert 0, expert 1 empty, [128,130) expert 2
const OP = 'raggedMMoeGemm8bit';

export const raggedMMoeGemm8bitBadInputs: BadInputCase<'raggedMMoeGemm8bit'>[] = [
  bad('a of dtype bf16', 'E_DTYPE', `${OP}.a`, (a, s) => ({ ...a, a: rnd('bf16', [M, 128], s, 9) })),
  bad('b dtype differs from a', 'E_DTYPE', `${OP}.b`, (a, s) => ({
    ...a,
    b: rnd('e5m2', [3, 32, 128], s, 9),
  })),
  bad('K mismatch between a and b', 'E_SHAPE', `${OP}.b`, (a, s) => ({
    ...a,
    b: rnd('e4m3', [3, 32, 144], s, 9),
  })),
  bad('a with K strided under majorA K', 'E_LAYOUT', `${OP}.a`, (a, s) => ({
    ...a,
    a: transposed('e4m3', M, 128, s, 9),
  })),
  bad('b K-major declared N-major', 'E_LAYOUT', `${OP}.b`, (a) => ({ ...a, majorB: 'N' })),
  bad('K not a multiple of 16', 'E_ALIGN', `${OP}.a`, (a, s) => ({
    ...a,
    a: rnd('e4m3', [M, 120], s, 9),
    b: rnd('e4m3', [3, 32, 120], s, 9),
  })),
  bad('aScale of the wrong shape', 'E_SHAPE', `${OP}.aScale`, (a, s) => ({
    ...a,
    aScale: scales([M, 2], s, 9),
  })),
  bad('bScale of the wrong shape', 'E_SHAPE', `${OP}.bScale`, (a, s) => ({
    ...a,
    bScale: scales([3, 2, 1], s, 9),
  })),
  bad('aScale of dtype bf16', 'E_DTYPE', `${OP}.aScale`, (a, s) => ({
    ...a,
    aScale: rnd('bf16', [M, 1], s, 9),
  })),
  bad('granularity [1, 128, 64]', 'E_UNSUPPORTED', `${OP}.scaleGranularityMnk`, (a) => ({
    ...a,
    scaleGranularityMnk: [1, 128, 64],
  })),
  bad('alignmentM 64', 'E_UNSUPPORTED', `${OP}.alignmentM`, (a) => ({ ...a, alignmentM: 64 as 128 })),
  bad('gemmMode unknown', 'E_UNSUPPORTED', `${OP}.gemmMode`, (a) => ({
    ...a,
    gemmMode: 'per_row' as 'per_token',
  })),
  bad('expert id out of range', 'E_RANGE', `${OP}.raggedTokensInfo`, (a) => ({
    ...a,
    raggedTokensInfo: i32([0, 0, 3, ...new Array(M - 3).fill(-1)]),
  })),
  bad('expert id below -1', 'E_RANGE', `${OP}.raggedTokensInfo`, (a) => ({
    ...a,
    raggedTokensInfo: i32([0, -2, ...new Array(M - 2).fill(-1)]),
  })),
  bad('two experts in one aligned block', 'E_LAYOUT', `${OP}.raggedTokensInfo`, (a) => ({
    ...a,
    raggedTokensInfo: i32([0, 1, ...new Array(M - 2).fill(-1)]),
  })),
  bad('raggedTokensInfo of dtype i64', 'E_DTYPE', `${OP}.raggedTokensInfo`, (a) => ({
    ...a,
    raggedTokensInfo: i64(new Array(M).fill(-1)),
  })),
  bad('per_token info of length E', 'E_SHAPE', `${OP}.raggedTokensInfo`, (a) => ({
    ...a,
    raggedTokensInfo: i32([0, 1, 2]),
  })),
  bad('psum decreasing', 'E_RANGE', `${OP}.raggedTokensInfo`, (a) => ({
    ...a,
    gemmMode: 'psum_expert',
    raggedTokensInfo: i32([3, 2, 130]),
  })),
  bad('psum past M', 'E_RANGE', `${OP}.raggedTokensInfo`, (a) => ({
    ...a,
    gemmMode: 'psum_expert',
    raggedTokensInfo: i32([3, 128, 300]),
  })),
  bad('negative per_expert count', 'E_RANGE', `${OP}.raggedTokensInfo`, (a) => ({
    ...a,
    gemmMode: 'per_expert',
    raggedTokensInfo: i32([3, -1, 2]),
  })),
  bad('per_expert groups overflow M after alignment', 'E_RANGE', `${OP}.raggedTokensInfo`, (a) => ({
    ...a,
    gemmMode: 'per_expert',
    raggedTokensInfo: i32([3, 1, 2]),
  })),
  bad('out of the wrong shape', 'E_SHAPE', `${OP}.out`, (a) => ({ ...a, out: outOf('bf16', [M, 33]) })),
  bad('out of dtype f32', 'E_DTYPE', `${OP}.out`, (a) => ({ ...a, out: outOf('f32', [M, 32]) })),
  bad('out dtype disagrees with outDtype', 'E_DTYPE', `${OP}.out`, (a) => ({ ...a, outDtype: 'f16' })),
  bad('out with strided rows', 'E_LAYOUT', `${OP}.out`, (a) => ({
    ...a,
    out: outOf('bf16', [32, M]).transpose(0, 1),
  })),
  bad('numMp 0', 'E_RANGE', `${OP}.numMp`, (a) => ({ ...a, numMp: 0 })),
];
