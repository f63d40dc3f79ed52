import type { TgvGemmArgs } from '../../ops/tgv-gemm.js';
import { Tensor } from '../../tensor.js';
import { type BadInputCase, type ConformanceCase, TOLERANCE } from '../types.js';
import { badInputsFor, kMajor, outOf, paddedOut, rnd } from './common.js';

interface Opts {
  m: number;
  n: number;
  k: number;
  bias?: boolean;
  padOut?: number;
}

function build(seed: number, o: Opts): TgvGemmArgs {
  return {
    a: rnd('bf16', [o.m, o.k], seed, 1),
    b: kMajor('bf16', [o.k, o.n], seed, 2),
    bias: o.bias ? rnd('bf16', [o.n], seed, 3) : undefined,
    out: o.padOut ? paddedOut('bf16', o.m, o.n, o.padOut) : outOf('bf16', [o.m, o.n]),
  };
}

const cases: Array<[string, Opts]> = [
  ['m=1 bias', { m: 1, n: 136, k: 256, bias: true }],
  ['m=0', { m: 0, n: 64, k: 64, bias: true }],
  ['odd m,n k=200 no bias', { m: 7, n: 53, k: 200 }],
  ['m=33 padded out rows', { m: 33, n: 96, k: 64, bias: true, padOut: 16 }],
  ['k=2048', { m: 16, n: 64, k: 2048, bias: true }],
];

export const tgvGemmCases: ConformanceCase<'tgvGemm'>[] = cases.map(([name, o]) => ({
  op: 'tgvGemm',
  name,
  build: (seed) => build(seed, o),
  tolerance: TOLERANCE.dequantized,
}));

const bad = badInputsFor('tgvGemm', (seed) => build(seed, { m: 2, n: 8, k: 32, bias: true }));
const A = 'tgvGemm';

export const tgvGemmBadInputs: BadInputCase<'tgvGemm'>[] = [
  bad('f16 a', 'E_DTYPE', `${A}.a`, (a, s) => ({ ...a, a: rnd('f16', [2, 32], s, 9) })),
  bad('f16 b', 'E_DTYPE', `${A}.b`, (a, s) => ({ ...a, b: kMajor('f16', [32, 8], s, 9) })),
  bad('a of rank 3', 'E_SHAPE', `${A}.a`, (a, s) => ({ ...a, a: rnd('bf16', [1, 2, 32], s, 9) })),
  bad('K mismatch', 'E_SHAPE', `${A}.b`, (a, s) => ({ ...a, b: kMajor('bf16', [24, 8], s, 9) })),
  bad('b row-major', 'E_LAYOUT', `${A}.b`, (a, s) => ({ ...a, b: rnd('bf16', [32, 8], s, 9) })),
  bad('a column-major', 'E_LAYOUT', `${A}.a`, (a, s) => ({
    ...a,
    a: rnd('bf16', [32, 2], s, 9).transpose(),
  })),
  bad('K = 36', 'E_ALIGN', `${A}.a`, (a, s) => ({
    ...a,
    a: rnd('bf16', [2, 36], s, 9),
    b: kMajor('bf16', [36, 8], s, 8),
  })),
  bad('bias of length N+1', 'E_SHAPE', `${A}.bias`, (a, s) => ({ ...a, bias: rnd('bf16', [9], s, 9) })),
  bad('bias of dtype f32', 'E_DTYPE', `${A}.bias`, (a, s) => ({ ...a, bias: rnd('f32', [8], s, 9) })),
  bad('bias strided', 'E_LAYOUT', `${A}.bias`, (a, s) => ({
    ...a,
    bias: new Tensor('bf16', [8], rnd('bf16', [16], s, 9).storage, [2], 0),
  })),
  bad('outDtype f16', 'E_DTYPE', `${A}.outDtype`, (a) => ({
    ...a,
    outDtype: 'f16' as 'bf16',
    out: undefined,
  })),
  bad('out of the wrong dtype', 'E_DTYPE', `${A}.out`, (a) => ({ ...a, out: outOf('f16', [2, 8]) })),
  bad('out of the wrong shape', 'E_SHAPE', `${A}.out`, (a) => ({ ...a, out: outOf('bf16', [8, 2]) })),
  bad('misspelt option biases', 'E_UNSUPPORTED', 'tgvGemm.biases', (a) => ({ ...a, biases: 1 }) as typeof a),
];
