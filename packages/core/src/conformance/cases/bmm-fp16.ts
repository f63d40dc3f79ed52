import type { BmmFp16Args } from '../../ops/bmm-fp16.js';
import type { BadInputCase, ConformanceCase } from '../types.js';
import { TOLERANCE } from '../types.js';
import { outOf, rnd } from './common.js';

type Dims = { batch: number; m: number; n: number; k: number };

function args(
  seed: number,
  d: Dims,
  inDtype: 'f16' | 'bf16',
  outDtype: 'f16' | 'bf16',
  withC: boolean,
): BmmFp16Args {
  return {
    a: rnd(inDtype, [d.batch, d.m, d.k], seed, 1),
    b: rnd(inDtype, [d.batch, d.k, d.n], seed, 2),
    outDtype,
    c: withC ? rnd(outDtype, [d.batch, d.m, d.n], seed, 3) : undefined,
    out: outOf(outDtype, [d.batch, d.m, d.n]),
  };
}

const shapes: Array<[string, Dims]> = [
  ['m=1', { batch: 2, m: 1, n: 136, k: 256 }],
  ['m=0', { batch: 2, m: 0, n: 64, k: 64 }],
  ['odd m,n,k', { batch: 3, m: 37, n: 53, k: 100 }],
  ['k=1024', { batch: 1, m: 16, n: 72, k: 1024 }],
];

export const bmmFp16Cases: ConformanceCase<'bmmFp16'>[] = [
  ...shapes.map(([name, d]) => ({
    op: 'bmmFp16' as const,
    name: `${name} bf16→bf16`,
    build: (seed: number) => args(seed, d, 'bf16', 'bf16', false),
    tolerance: TOLERANCE.dequantized,
  })),
  {
    op: 'bmmFp16',
    name: 'f16→f16 with c',
    build: (seed) => args(seed, { batch: 2, m: 9, n: 40, k: 48 }, 'f16', 'f16', true),
    tolerance: TOLERANCE.dequantized,
  },
  {
    op: 'bmmFp16',
    name: 'f16→bf16, output allocated by the kernel',
    build: (seed) => ({
      ...args(seed, { batch: 1, m: 5, n: 24, k: 32 }, 'f16', 'bf16', false),
      out: undefined,
    }),
    tolerance: TOLERANCE.dequantized,
  },
];

const good = (seed: number) => args(seed, { batch: 2, m: 4, n: 8, k: 16 }, 'bf16', 'bf16', false);
const bad = (
  name: string,
  code: BadInputCase['code'],
  arg: string,
  mutate: (a: BmmFp16Args, seed: number) => BmmFp16Args,
): BadInputCase<'bmmFp16'> => ({ op: 'bmmFp16', name, code, arg, build: (seed) => mutate(good(seed), seed) });

export const bmmFp16BadInputs: BadInputCase<'bmmFp16'>[] = [
  bad('a of dtype f32', 'E_DTYPE', 'bmmFp16.a', (a, s) => ({ ...a, a: rnd('f32', [2, 4, 16], s, 9) })),
  bad('b dtype differs from a', 'E_DTYPE', 'bmmFp16.b', (a, s) => ({
    ...a,
    b: rnd('f16', [2, 16, 8], s, 9),
  })),
  bad('a of rank 2', 'E_SHAPE', 'bmmFp16.a', (a, s) => ({ ...a, a: rnd('bf16', [4, 16], s, 9) })),
  bad('K mismatch', 'E_SHAPE', 'bmmFp16.b', (a, s) => ({ ...a, b: rnd('bf16', [2, 15, 8], s, 9) })),
  bad('batch mismatch', 'E_SHAPE', 'bmmFp16.b', (a, s) => ({ ...a, b: rnd('bf16', [3, 16, 8], s, 9) })),
  bad('a with K not contiguous', 'E_LAYOUT', 'bmmFp16.a', (a, s) => ({
    ...a,
    a: rnd('bf16', [2, 16, 4], s, 9).transpose(1, 2),
  })),
  bad('outDtype e4m3', 'E_DTYPE', 'bmmFp16.outDtype', (a) => ({
    ...a,
    outDtype: 'e4m3' as 'bf16',
    out: undefined,
  })),
  bad('out of the wrong shape', 'E_SHAPE', 'bmmFp16.out', (a) => ({ ...a, out: outOf('bf16', [2, 4, 9]) })),
  bad('out of the wrong dtype', 'E_DTYPE', 'bmmFp16.out', (a) => ({ ...a, out: outOf('f16', [2, 4, 8]) })),
  bad('c of the wrong shape', 'E_SHAPE', 'bmmFp16.c', (a, s) => ({ ...a, c: rnd('bf16', [2, 4, 7], s, 9) })),
  bad('c of the wrong dtype', 'E_DTYPE', 'bmmFp16.c', (a, s) => ({ ...a, c: rnd('f32', [2, 4, 8], s, 9) })),
  bad('a is not a tensor', 'E_UNSUPPORTED', 'bmmFp16.a', (a) => ({
    ...a,
    a: null as unknown as BmmFp16Args['a'],
  })),
  bad('misspelt option cc', 'E_UNSUPPORTED', 'bmmFp16.cc', (a) => ({ ...a, cc: 1 }) as typeof a),
  bad('arguments not an object', 'E_UNSUPPORTED', 'bmmFp16', () => 7 as unknown as BmmFp16Args),
];
