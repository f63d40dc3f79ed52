import type { MmFp8Args } from '../../ops/mm-fp8.js';
import { type BadInputCase, type ConformanceCase, TOLERANCE } from '../types.js';
import { badInputsFor, kMajor, outOf, paddedOut, rnd, scalarF32 } from './common.js';

interface Opts {
  m: number;
  n: number;
  k: number;
  bDtype?: 'e4m3' | 'e5m2';
  outDtype?: 'bf16' | 'f16';
  alpha?: number;
  padOut?: number;
}

function build(seed: number, o: Opts): MmFp8Args {
  const outDtype = o.outDtype ?? 'bf16';
  return {
    a: rnd('e4m3', [o.m, o.k], seed, 1),
    b: kMajor(o.bDtype ?? 'e4m3', [o.k, o.n], seed, 2),
    alpha: o.alpha === undefined ? undefined : scalarF32(o.alpha),
    outDtype,
    out: o.padOut ? paddedOut(outDtype, o.m, o.n, o.padOut) : outOf(outDtype, [o.m, o.n]),
  };
}

const cases: Array<[string, Opts]> = [
  ['m=1 alpha bf16', { m: 1, n: 136, k: 256, alpha: 0.0625 }],
  ['m=0', { m: 0, n: 40, k: 64 }],
  ['odd m,n k=400 e4m3×e5m2 f16', { m: 37, n: 53, k: 400, bDtype: 'e5m2', outDtype: 'f16', alpha: 0.5 }],
  ['no alpha, padded out rows', { m: 12, n: 24, k: 48, padOut: 8 }],
  ['k=4096', { m: 4, n: 48, k: 4096, alpha: 0.01 }],
];

export const mmFp8Cases: ConformanceCase<'mmFp8'>[] = cases.map(([name, o]) => ({
  op: 'mmFp8',
  name,
  build: (seed) => build(seed, o),
  tolerance: TOLERANCE.dequantized,
}));

const bad = badInputsFor('mmFp8', (seed) => build(seed, { m: 4, n: 8, k: 32, alpha: 1 }));

export const mmFp8BadInputs: BadInputCase<'mmFp8'>[] = [
  bad('f16 a', 'E_DTYPE', 'mmFp8.a', (a, s) => ({ ...a, a: rnd('f16', [4, 32], s, 9) })),
  bad('e5m2 × e5m2', 'E_DTYPE', 'mmFp8.b', (a, s) => ({
    ...a,
    a: rnd('e5m2', [4, 32], s, 9),
    b: kMajor('e5m2', [32, 8], s, 8),
  })),
  bad('a of rank 3', 'E_SHAPE', 'mmFp8.a', (a, s) => ({ ...a, a: rnd('e4m3', [1, 4, 32], s, 9) })),
  bad('K mismatch', 'E_SHAPE', 'mmFp8.b', (a, s) => ({ ...a, b: kMajor('e4m3', [16, 8], s, 9) })),
  bad('b row-major', 'E_LAYOUT', 'mmFp8.b', (a, s) => ({ ...a, b: rnd('e4m3', [32, 8], s, 9) })),
  bad('a column-major', 'E_LAYOUT', 'mmFp8.a', (a, s) => ({
    ...a,
    a: rnd('e4m3', [32, 4], s, 9).transpose(),
  })),
  bad('K = 40', 'E_ALIGN', 'mmFp8.a', (a, s) => ({
    ...a,
    a: rnd('e4m3', [4, 40], s, 9),
    b: kMajor('e4m3', [40, 8], s, 8),
  })),
  bad('alpha of shape [2]', 'E_SHAPE', 'mmFp8.alpha', (a, s) => ({ ...a, alpha: rnd('f32', [2], s, 9) })),
  bad('alpha of dtype f16', 'E_DTYPE', 'mmFp8.alpha', (a, s) => ({ ...a, alpha: rnd('f16', [1], s, 9) })),
  bad('outDtype e4m3', 'E_DTYPE', 'mmFp8.outDtype', (a) => ({
    ...a,
    outDtype: 'e4m3' as 'bf16',
    out: undefined,
  })),
  bad('out of the wrong dtype', 'E_DTYPE', 'mmFp8.out', (a) => ({ ...a, out: outOf('f16', [4, 8]) })),
  bad('out of the wrong shape', 'E_SHAPE', 'mmFp8.out', (a) => ({ ...a, out: outOf('bf16', [8, 4]) })),
  bad('misspelt option alphas', 'E_UNSUPPORTED', 'mmFp8.alphas', (a) => ({ ...a, alphas: 1 }) as typeof a),
];
