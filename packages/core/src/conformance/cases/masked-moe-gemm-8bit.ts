import {
  isMaskedMoeOverlap,
  type MaskedMoeGemm8bitArgs,
  maskedMoeOut,
} from '../../ops/masked-moe-gemm-8bit.js';
import type { BadInputCase, ConformanceCase } from '../types.js';
import { TOLERANCE } from '../types.js';
import { outOf, rnd, scales } from './common.js';
import { i32, i64 as i64Tensor } from './grouped-helpers.js';

interface Setup {
  masked: number[];
  maxM: number;
  n: number;
  k: number;
  dtype?: 'e4m3' | 'e5m2';
  outDtype?: 'bf16' | 'f16';
  gn?: 1 | 128;
  overlap?: boolean;
}

export function maskedArgs(seed: number, s: Setup): MaskedMoeGemm8bitArgs {
  const e = s.masked.length;
  const dt = s.dtype ?? 'e4m3';
  const gn = s.gn ?? 128;
  const kb = Math.ceil(s.k / 128);
  return {
    a: rnd(dt, [e, s.maxM, s.k], seed, 1),
    aScale: scales([e, s.maxM, kb], seed, 2),
    b: rnd(dt, [e, s.n, s.k], seed, 3),
    bScale: scales([e, Math.ceil(s.n / gn), kb], seed, 4),
    maskedM: i32(s.masked),
    out: outOf(s.outDtype ?? 'bf16', [e, s.maxM, s.n]),
    outDtype: s.outDtype,
    scaleGranularityMnk: s.gn === 1 ? [1, 1, 128] : undefined,
    expectTokens: Math.max(...s.masked, 0),
    enableOverlap: s.overlap,
  };
}

const c = (name: string, s: Setup): ConformanceCase<'maskedMoeGemm8bit'> => ({
  op: 'maskedMoeGemm8bit',
  name,
  build: (seed) => maskedArgs(seed, s),
  // Masked rows stay NaN-poisoned on every backend.
  allowNonFinite: true,
  tolerance: TOLERANCE.dequantized,
  output: (r) => (isMaskedMoeOverlap(r) ? { out: r.out, signal: r.signal } : maskedMoeOut(r)),
});

export const maskedMoeGemm8bitCases: ConformanceCase<'maskedMoeGemm8bit'>[] = [
  c('3 experts, one fully masked, maxM=70 n=136 k=256', { masked: [70, 0, 33], maxM: 70, n: 136, k: 256 }),
  c('all groups masked', { masked: [0, 0], maxM: 16, n: 32, k: 128 }),
  // threshold = ceil(N / blockN) depends on the backend's N tile; N = 16 makes it 1 for every tile size, so
  // the counters are comparable across backends (the CPU unit tests cover threshold > 1).
  c('overlap signal, 3 row blocks', { masked: [65, 3, 0], maxM: 130, n: 16, k: 128, overlap: true }),
  c('e5m2 → f16, gn=1, odd n=45 k=144', {
    masked: [5, 9],
    maxM: 9,
    n: 45,
    k: 144,
    dtype: 'e5m2',
    outDtype: 'f16',
    gn: 1,
  }),
  c('maxM=0 with overlap (no counters)', { masked: [0, 0], maxM: 0, n: 16, k: 64, overlap: true }),
  c('maxM=1', { masked: [1, 0, 1], maxM: 1, n: 64, k: 64 }),
];

const OP = 'maskedMoeGemm8bit';
const good = (seed: number) => maskedArgs(seed, { masked: [4, 0], maxM: 8, n: 32, k: 128 });
const bad = (
  name: string,
  code: BadInputCase['code'],
  arg: string,
  mutate: (a: MaskedMoeGemm8bitArgs, seed: number) => MaskedMoeGemm8bitArgs,
): BadInputCase<'maskedMoeGemm8bit'> => ({
  op: OP,
  name,
  code,
  arg,
  build: (seed) => mutate(good(seed), seed),
});

export const maskedMoeGemm8bitBadInputs: BadInputCase<'maskedMoeGemm8bit'>[] = [
  bad('a of dtype bf16', 'E_DTYPE', `${OP}.a`, (a, s) => ({ ...a, a: rnd('bf16', [2, 8, 128], s, 9) })),
  bad('a of rank 2', 'E_SHAPE', `${OP}.a`, (a, s) => ({ ...a, a: rnd('e4m3', [16, 128], s, 9) })),
  bad('b with another expert count', 'E_SHAPE', `${OP}.b`, (a, s) => ({
    ...a,
    b: rnd('e4m3', [3, 32, 128], s, 9),
  })),
  bad('a with K strided', 'E_LAYOUT', `${OP}.a`, (a, s) => ({
    ...a,
    a: rnd('e4m3', [2, 128, 8], s, 9).transpose(1, 2),
  })),
  bad('K = 120 (not a multiple of 16)', 'E_ALIGN', `${OP}.a`, (a, s) => ({
    ...a,
    a: rnd('e4m3', [2, 8, 120], s, 9),
    b: rnd('e4m3', [2, 32, 120], s, 9),
  })),
  bad('aScale missing the expert dim', 'E_SHAPE', `${OP}.aScale`, (a, s) => ({
    ...a,
    aScale: scales([8, 1], s, 9),
  })),
  bad('bScale of the wrong N blocks', 'E_SHAPE', `${OP}.bScale`, (a, s) => ({
    ...a,
    bScale: scales([2, 2, 1], s, 9),
  })),
  bad('maskedM of dtype i64', 'E_DTYPE', `${OP}.maskedM`, (a) => ({ ...a, maskedM: i64Tensor([4, 0]) })),
  bad('maskedM with a wrong length', 'E_SHAPE', `${OP}.maskedM`, (a) => ({ ...a, maskedM: i32([4, 0, 1]) })),
  bad('maskedM > maxM', 'E_RANGE', `${OP}.maskedM`, (a) => ({ ...a, maskedM: i32([9, 0]) })),
  bad('negative maskedM', 'E_RANGE', `${OP}.maskedM`, (a) => ({ ...a, maskedM: i32([4, -1]) })),
  bad('signal without enableOverlap', 'E_UNSUPPORTED', `${OP}.signal`, (a) => ({
    ...a,
    signal: i32([0, 0]),
  })),
  bad('signal of the wrong length', 'E_SHAPE', `${OP}.signal`, (a) => ({
    ...a,
    enableOverlap: true,
    signal: i32([0, 0, 0]),
  })),
  bad('signal of dtype f32', 'E_DTYPE', `${OP}.signal`, (a, s) => ({
    ...a,
    enableOverlap: true,
    signal: rnd('f32', [2], s, 9),
  })),
  bad('enableOverlap as a string', 'E_UNSUPPORTED', `${OP}.enableOverlap`, (a) => ({
    ...a,
    enableOverlap: 'yes' as unknown as boolean,
  })),
  bad('expectTokens negative', 'E_RANGE', `${OP}.expectTokens`, (a) => ({ ...a, expectTokens: -1 })),
  bad('out of the wrong shape', 'E_SHAPE', `${OP}.out`, (a) => ({ ...a, out: outOf('bf16', [2, 8, 31]) })),
  bad('outDtype e4m3', 'E_DTYPE', `${OP}.outDtype`, (a) => ({
    ...a,
    out: undefined,
    outDtype: 'e4m3' as 'bf16',
  })),
  bad('granularity [128, 128, 128]', 'E_UNSUPPORTED', `${OP}.scaleGranularityMnk`, (a) => ({
    ...a,
    scaleGranularityMnk: [128, 128, 128],
  })),
];
