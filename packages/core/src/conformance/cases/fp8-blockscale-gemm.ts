import type { Fp8BlockscaleGemmArgs } from '../../ops/fp8-blockscale-gemm.js';
import { type BadInputCase, type ConformanceCase, TOLERANCE } from '../types.js';
import { badInputsFor, outOf, rnd, scales } from './common.js';

interface Opts {
  m: number;
  n: number;
  k: number;
  input: 'bf16' | 'e4m3';
  weight: 'bf16' | 'e4m3';
  /** Weight-scale granularity for an e4m3 weight. */
  wg?: '1x128' | '128x128';
}

const cdiv = (a: number, b: number) => Math.ceil(a / b);

function build(seed: number, o: Opts): Fp8BlockscaleGemmArgs {
  const kb = cdiv(o.k, 128);
  return {
    input: rnd(o.input, [o.m, o.k], seed, 1),
    weight: rnd(o.weight, [o.n, o.k], seed, 2),
    inputScale: o.input === 'e4m3' ? scales([o.m, kb], seed, 3, 0.001, 0.01) : undefined,
    weightScale:
      o.weight === 'e4m3'
        ? scales([o.wg === '128x128' ? cdiv(o.n, 128) : o.n, kb], seed, 4, 0.001, 0.01)
        : undefined,
    out: outOf('bf16', [o.m, o.n]),
  };
}

const cases: Array<[string, Opts]> = [
  ['bf16×bf16 m=1', { m: 1, n: 136, k: 256, input: 'bf16', weight: 'bf16' }],
  ['bf16×bf16 m=0', { m: 0, n: 64, k: 128, input: 'bf16', weight: 'bf16' }],
  ['bf16×bf16 odd m,n k=400 (partial K block)', { m: 37, n: 53, k: 400, input: 'bf16', weight: 'bf16' }],
  ['bf16×e4m3 1x128', { m: 33, n: 72, k: 272, input: 'bf16', weight: 'e4m3', wg: '1x128' }],
  ['bf16×e4m3 128x128 m=5', { m: 5, n: 200, k: 272, input: 'bf16', weight: 'e4m3', wg: '128x128' }],
  ['e4m3×e4m3 1x128', { m: 37, n: 129, k: 256, input: 'e4m3', weight: 'e4m3', wg: '1x128' }],
  ['e4m3×e4m3 128x128 k=1024', { m: 64, n: 256, k: 1024, input: 'e4m3', weight: 'e4m3', wg: '128x128' }],
];

export const fp8BlockscaleGemmCases: ConformanceCase<'fp8BlockscaleGemm'>[] = cases.map(([name, o]) => ({
  op: 'fp8BlockscaleGemm',
  name,
  build: (seed) => build(seed, o),
  tolerance: TOLERANCE.dequantized,
}));

const bad = badInputsFor('fp8BlockscaleGemm', (seed) =>
  build(seed, { m: 4, n: 8, k: 256, input: 'e4m3', weight: 'e4m3', wg: '1x128' }),
);
const A = 'fp8BlockscaleGemm';

export const fp8BlockscaleGemmBadInputs: BadInputCase<'fp8BlockscaleGemm'>[] = [
  bad('f16 input', 'E_DTYPE', `${A}.input`, (a, s) => ({ ...a, input: rnd('f16', [4, 256], s, 9) })),
  bad('e5m2 weight', 'E_DTYPE', `${A}.weight`, (a, s) => ({ ...a, weight: rnd('e5m2', [8, 256], s, 9) })),
  bad('e4m3 input with a bf16 weight', 'E_DTYPE', `${A}.weight`, (a, s) => ({
    ...a,
    weight: rnd('bf16', [8, 256], s, 9),
    weightScale: undefined,
  })),
  bad('K mismatch', 'E_SHAPE', `${A}.weight`, (a, s) => ({ ...a, weight: rnd('e4m3', [8, 128], s, 9) })),
  bad('input of rank 3', 'E_SHAPE', `${A}.input`, (a, s) => ({
    ...a,
    input: rnd('e4m3', [1, 4, 256], s, 9),
  })),
  bad('K = 200', 'E_ALIGN', `${A}.input`, (a, s) => ({
    ...a,
    input: rnd('e4m3', [4, 200], s, 9),
    weight: rnd('e4m3', [8, 200], s, 8),
  })),
  bad('weight column-major', 'E_LAYOUT', `${A}.weight`, (a, s) => ({
    ...a,
    weight: rnd('e4m3', [256, 8], s, 9).transpose(),
  })),
  bad('e4m3 input without inputScale', 'E_UNSUPPORTED', `${A}.inputScale`, (a) => ({
    ...a,
    inputScale: undefined,
  })),
  bad('e4m3 weight without weightScale', 'E_UNSUPPORTED', `${A}.weightScale`, (a) => ({
    ...a,
    weightScale: undefined,
  })),
  bad('bf16 input with an inputScale', 'E_UNSUPPORTED', `${A}.inputScale`, (a, s) => ({
    ...a,
    input: rnd('bf16', [4, 256], s, 9),
  })),
  bad('inputScale of the wrong shape', 'E_SHAPE', `${A}.inputScale`, (a, s) => ({
    ...a,
    inputScale: scales([4, 3], s, 9),
  })),
  bad('weightScale neither 1x128 nor 128x128', 'E_SHAPE', `${A}.weightScale`, (a, s) => ({
    ...a,
    weightScale: scales([3, 2], s, 9),
  })),
  bad('inputScale MN-major', 'E_LAYOUT', `${A}.inputScale`, (a, s) => ({
    ...a,
    inputScale: scales([2, 4], s, 9).transpose(),
  })),
  bad('weightScale of dtype f16', 'E_DTYPE', `${A}.weightScale`, (a, s) => ({
    ...a,
    weightScale: rnd('f16', [8, 2], s, 9),
  })),
  bad('outDtype f16', 'E_DTYPE', `${A}.outDtype`, (a) => ({
    ...a,
    outDtype: 'f16' as 'bf16',
    out: undefined,
  })),
  bad('out of the wrong shape', 'E_SHAPE', `${A}.out`, (a) => ({ ...a, out: outOf('bf16', [4, 7]) })),
  bad(
    'misspelt option inputScales',
    'E_UNSUPPORTED',
    'fp8BlockscaleGemm.inputScales',
    (a) => ({ ...a, inputScales: 1 }) as typeof a,
  ),
];
