import type { GemmFp8NtGroupwiseArgs } from '../../ops/gemm-fp8-nt-groupwise.js';
import type { Granularity } from '../../scale.js';
import { type BadInputCase, type ConformanceCase, TOLERANCE } from '../types.js';
import { badInputsFor, mnMajorScales, outOf, rnd, scalarF32, scales } from './common.js';

interface Opts {
  m: number;
  n: number;
  k: number;
  g?: Granularity;
  major?: 'K' | 'MN';
  /** MN-major column padding (TMA alignment: 4 f32). */
  padTo?: number;
  bDtype?: 'e4m3' | 'e5m2';
  outDtype?: 'bf16' | 'f16' | 'e4m3';
}

const cdiv = (a: number, b: number) => Math.ceil(a / b);

function build(seed: number, o: Opts): GemmFp8NtGroupwiseArgs {
  const g = o.g ?? [1, 128, 128];
  const kb = cdiv(o.k, g[2]);
  const major = o.major ?? 'K';
  const sc = (rows: number, salt: number) =>
    major === 'K' ? scales([rows, kb], seed, salt) : mnMajorScales(rows, kb, seed, salt, o.padTo ?? 1);
  const outDtype = o.outDtype ?? 'bf16';
  return {
    a: rnd('e4m3', [o.m, o.k], seed, 1),
    b: rnd(o.bDtype ?? 'e4m3', [o.n, o.k], seed, 2),
    aScale: sc(cdiv(o.m, g[0]), 3),
    bScale: sc(cdiv(o.n, g[1]), 4),
    scaleMajorMode: o.major,
    scaleGranularityMnk: o.g,
    outDtype: o.outDtype,
    outputScale: outDtype === 'e4m3' ? scalarF32(2) : undefined,
    out: outOf(outDtype, [o.m, o.n]),
  };
}

const cases: Array<[string, Opts]> = [
  ['[1,128,128] K-major m=1 n=136 k=272', { m: 1, n: 136, k: 272 }],
  ['m=0', { m: 0, n: 64, k: 128 }],
  ['[1,128,128] MN-major odd m,n k=400 f16', { m: 37, n: 201, k: 400, major: 'MN', outDtype: 'f16' }],
  [
    '[1,128,128] MN-major TMA-padded, e5m2 b',
    { m: 21, n: 130, k: 256, major: 'MN', padTo: 4, bDtype: 'e5m2' },
  ],
  ['[128,128,128] K-major m=130', { m: 130, n: 64, k: 256, g: [128, 128, 128] }],
  ['[128,128,128] MN-major', { m: 45, n: 257, k: 144, g: [128, 128, 128], major: 'MN' }],
  ['e4m3 output through outputScale', { m: 17, n: 96, k: 384, outDtype: 'e4m3' }],
  [
    'e4m3 output, [128,128,128] MN-major',
    { m: 9, n: 40, k: 128, g: [128, 128, 128], major: 'MN', outDtype: 'e4m3' },
  ],
  ['k=2048', { m: 4, n: 128, k: 2048 }],
];

export const gemmFp8NtGroupwiseCases: ConformanceCase<'gemmFp8NtGroupwise'>[] = cases.map(([name, o]) => ({
  op: 'gemmFp8NtGroupwise',
  name,
  build: (seed) => build(seed, o),
  tolerance: o.outDtype === 'e4m3' ? TOLERANCE.fp8Output : TOLERANCE.dequantized,
}));

const bad = badInputsFor('gemmFp8NtGroupwise', (seed) => build(seed, { m: 4, n: 8, k: 256 }));
const A = 'gemmFp8NtGroupwise';

export const gemmFp8NtGroupwiseBadInputs: BadInputCase<'gemmFp8NtGroupwise'>[] = [
  bad('bf16 a', 'E_DTYPE', `${A}.a`, (a, s) => ({ ...a, a: rnd('bf16', [4, 256], s, 9) })),
  bad('e5m2 × e5m2', 'E_DTYPE', `${A}.b`, (a, s) => ({
    ...a,
    a: rnd('e5m2', [4, 256], s, 9),
    b: rnd('e5m2', [8, 256], s, 8),
  })),
  bad('K mismatch', 'E_SHAPE', `${A}.b`, (a, s) => ({ ...a, b: rnd('e4m3', [8, 128], s, 9) })),
  bad('b transposed view (not K-major)', 'E_LAYOUT', `${A}.b`, (a, s) => ({
    ...a,
    b: rnd('e4m3', [256, 8], s, 9).transpose(),
  })),
  bad('K = 264', 'E_ALIGN', `${A}.a`, (a, s) => ({
    ...a,
    a: rnd('e4m3', [4, 264], s, 9),
    b: rnd('e4m3', [8, 264], s, 8),
  })),
  bad('aScale with too few K blocks', 'E_SHAPE', `${A}.aScale`, (a, s) => ({
    ...a,
    aScale: scales([4, 1], s, 9),
  })),
  bad('bScale per row instead of per 128 rows', 'E_SHAPE', `${A}.bScale`, (a, s) => ({
    ...a,
    bScale: scales([8, 2], s, 9),
  })),
  bad('aScale of dtype ue8m0', 'E_DTYPE', `${A}.aScale`, (a, s) => ({
    ...a,
    aScale: rnd('ue8m0', [4, 2], s, 9),
  })),
  bad('K-major mode with MN-major scales', 'E_LAYOUT', `${A}.aScale`, (a, s) => ({
    ...a,
    aScale: mnMajorScales(4, 2, s, 9),
  })),
  bad('MN mode with K-major scales', 'E_LAYOUT', `${A}.aScale`, (a) => ({ ...a, scaleMajorMode: 'MN' })),
  bad('granularity [1, 1, 128]', 'E_UNSUPPORTED', `${A}.scaleGranularityMnk`, (a) => ({
    ...a,
    scaleGranularityMnk: [1, 1, 128],
  })),
  bad("scaleMajorMode 'N'", 'E_UNSUPPORTED', `${A}.scaleMajorMode`, (a) => ({
    ...a,
    scaleMajorMode: 'N' as 'K',
  })),
  bad('mmaSm 2', 'E_UNSUPPORTED', `${A}.mmaSm`, (a) => ({ ...a, mmaSm: 2 })),
  bad('e4m3 out without outputScale', 'E_UNSUPPORTED', `${A}.outputScale`, (a) => ({
    ...a,
    out: outOf('e4m3', [4, 8]),
  })),
  bad('outputScale with a bf16 out', 'E_DTYPE', `${A}.outDtype`, (a) => ({
    ...a,
    outputScale: scalarF32(1),
  })),
  bad('out of the wrong shape', 'E_SHAPE', `${A}.out`, (a) => ({ ...a, out: outOf('bf16', [4, 9]) })),
  bad(
    'misspelt option scaleMajor',
    'E_UNSUPPORTED',
    'gemmFp8NtGroupwise.scaleMajor',
    (a) => ({ ...a, scaleMajor: 1 }) as typeof a,
  ),
];
