import type { BmmFp8Args } from '../../ops/bmm-fp8.js';
import { type BadInputCase, type ConformanceCase, TOLERANCE } from '../types.js';
import { badInputsFor, kMajor, outOf, rnd, scalarF32, scales } from './common.js';

interface Opts {
  batch: number;
  m: number;
  n: number;
  k: number;
  aDtype?: 'e4m3' | 'e5m2';
  bDtype?: 'e4m3' | 'e5m2';
  outDtype?: 'bf16' | 'f16' | 'e4m3';
  rowScale?: boolean;
}

function build(seed: number, o: Opts): BmmFp8Args {
  const outDtype = o.outDtype ?? 'bf16';
  return {
    a: rnd(o.aDtype ?? 'e4m3', [o.batch, o.m, o.k], seed, 1),
    b: kMajor(o.bDtype ?? 'e4m3', [o.batch, o.k, o.n], seed, 2),
    aScale: o.rowScale ? scales([o.batch, o.m], seed, 3) : scalarF32(0.375),
    bScale: scalarF32(1.25),
    outDtype,
    scaleGranularity: o.rowScale ? [1, -1, -1] : undefined,
    outputScale: outDtype === 'e4m3' ? scalarF32(0.5) : undefined,
    out: outOf(outDtype, [o.batch, o.m, o.n]),
  };
}

const cases: Array<[string, Opts]> = [
  ['m=1 per-tensor bf16', { batch: 2, m: 1, n: 136, k: 256 }],
  ['m=0', { batch: 2, m: 0, n: 64, k: 128 }],
  ['odd m,n, k=272, e4m3×e5m2 → f16', { batch: 3, m: 37, n: 53, k: 272, bDtype: 'e5m2', outDtype: 'f16' }],
  ['e5m2×e4m3 per-row scales [1,-1,-1]', { batch: 2, m: 19, n: 40, k: 144, aDtype: 'e5m2', rowScale: true }],
  ['e4m3 output through outputScale', { batch: 2, m: 13, n: 72, k: 96, outDtype: 'e4m3' }],
  ['per-row e4m3 output', { batch: 1, m: 9, n: 24, k: 64, outDtype: 'e4m3', rowScale: true }],
  ['k=2048', { batch: 1, m: 8, n: 64, k: 2048 }],
];

export const bmmFp8Cases: ConformanceCase<'bmmFp8'>[] = cases.map(([name, o]) => ({
  op: 'bmmFp8',
  name,
  build: (seed) => build(seed, o),
  tolerance: o.outDtype === 'e4m3' ? TOLERANCE.fp8Output : TOLERANCE.dequantized,
}));

const bad = badInputsFor('bmmFp8', (seed) => build(seed, { batch: 2, m: 4, n: 8, k: 32 }));

export const bmmFp8BadInputs: BadInputCase<'bmmFp8'>[] = [
  bad('bf16 a', 'E_DTYPE', 'bmmFp8.a', (a, s) => ({ ...a, a: rnd('bf16', [2, 4, 32], s, 9) })),
  bad('e5m2 × e5m2', 'E_DTYPE', 'bmmFp8.b', (a, s) => ({
    ...a,
    a: rnd('e5m2', [2, 4, 32], s, 9),
    b: kMajor('e5m2', [2, 32, 8], s, 8),
  })),
  bad('a of rank 2', 'E_SHAPE', 'bmmFp8.a', (a, s) => ({ ...a, a: rnd('e4m3', [4, 32], s, 9) })),
  bad('K mismatch', 'E_SHAPE', 'bmmFp8.b', (a, s) => ({ ...a, b: kMajor('e4m3', [2, 48, 8], s, 9) })),
  bad('b row-major (N contiguous)', 'E_LAYOUT', 'bmmFp8.b', (a, s) => ({
    ...a,
    b: rnd('e4m3', [2, 32, 8], s, 9),
  })),
  bad('K = 24 not a multiple of 16', 'E_ALIGN', 'bmmFp8.a', (a, s) => ({
    ...a,
    a: rnd('e4m3', [2, 4, 24], s, 9),
    b: kMajor('e4m3', [2, 24, 8], s, 8),
  })),
  bad('aScale of shape [2]', 'E_SHAPE', 'bmmFp8.aScale', (a, s) => ({ ...a, aScale: scales([2], s, 9) })),
  bad('bScale of dtype bf16', 'E_DTYPE', 'bmmFp8.bScale', (a, s) => ({
    ...a,
    bScale: rnd('bf16', [1], s, 9),
  })),
  bad('per-row granularity with a per-tensor aScale', 'E_SHAPE', 'bmmFp8.aScale', (a) => ({
    ...a,
    scaleGranularity: [1, -1, -1],
  })),
  bad('granularity [1, 1, -1]', 'E_UNSUPPORTED', 'bmmFp8.scaleGranularity', (a) => ({
    ...a,
    scaleGranularity: [1, 1, -1],
  })),
  bad('e4m3 output without outputScale', 'E_UNSUPPORTED', 'bmmFp8.outputScale', (a) => ({
    ...a,
    outDtype: 'e4m3',
    out: undefined,
  })),
  bad('outputScale with a bf16 output', 'E_UNSUPPORTED', 'bmmFp8.outputScale', (a) => ({
    ...a,
    outputScale: scalarF32(1),
  })),
  bad('outDtype f32', 'E_DTYPE', 'bmmFp8.outDtype', (a) => ({
    ...a,
    outDtype: 'f32' as 'bf16',
    out: undefined,
  })),
  bad('out of the wrong shape', 'E_SHAPE', 'bmmFp8.out', (a) => ({ ...a, out: outOf('bf16', [2, 4, 9]) })),
  bad('out with a strided inner dimension', 'E_LAYOUT', 'bmmFp8.out', (a) => ({
    ...a,
    out: outOf('bf16', [2, 8, 4]).transpose(1, 2),
  })),
  bad(
    'misspelt option outputScales',
    'E_UNSUPPORTED',
    'bmmFp8.outputScales',
    (a) => ({ ...a, outputScales: 1 }) as typeof a,
  ),
];
