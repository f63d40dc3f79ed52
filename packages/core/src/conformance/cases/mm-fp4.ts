import { fp4ScaleShape } from '../../ops/common/fp4.js';
import type { MmFp4Args } from '../../ops/mm-fp4.js';
import type { Tensor } from '../../tensor.js';
import { type BadInputCase, type ConformanceCase, TOLERANCE } from '../types.js';
import { badInputsFor, kMajor, outOf, rnd, scalarF32 } from './common.js';

interface Opts {
  m: number;
  n: number;
  k: number;
  format?: 'nvfp4' | 'mxfp4';
  layout?: 'swizzle128x4' | 'linear';
  w4a16?: boolean;
  /** Swizzled scales passed flat (1-D), as the quantizers return them. */
  flat?: boolean;
  outDtype?: 'bf16' | 'f16';
  alpha?: number;
}

function blockScales(format: 'nvfp4' | 'mxfp4', shape: [number, number], seed: number, salt: number): Tensor {
  return format === 'nvfp4'
    ? rnd('e4m3', shape, seed, salt, { dist: 'uniform', low: 0.125, high: 4 })
    : rnd('ue8m0', shape, seed, salt);
}

const flatten = (t: Tensor, flat?: boolean) => (flat ? t.reshape([t.numel]) : t);

function build(seed: number, o: Opts): MmFp4Args {
  const format = o.format ?? 'nvfp4';
  const layout = o.layout ?? 'swizzle128x4';
  const kb = o.k / (format === 'nvfp4' ? 16 : 32);
  const outDtype = o.outDtype ?? 'bf16';
  return {
    a: o.w4a16 ? rnd('bf16', [o.m, o.k], seed, 1) : rnd('e2m1x2', [o.m, o.k / 2], seed, 1, { std: 2 }),
    b: kMajor('e2m1x2', [o.k / 2, o.n], seed, 2, { std: 2 }),
    aScale: o.w4a16
      ? undefined
      : flatten(blockScales(format, fp4ScaleShape(o.m, kb, layout), seed, 3), o.flat),
    bScale: flatten(blockScales(format, fp4ScaleShape(o.n, kb, layout), seed, 4), o.flat),
    alpha: o.alpha === undefined ? undefined : scalarF32(o.alpha),
    format: o.format,
    scaleLayout: o.layout,
    outDtype,
    out: outOf(outDtype, [o.m, o.n]),
  };
}

const cases: Array<[string, Opts]> = [
  ['nvfp4 swizzled m=1', { m: 1, n: 136, k: 256, alpha: 0.5 }],
  ['nvfp4 m=0', { m: 0, n: 64, k: 64 }],
  ['nvfp4 linear odd m,n k=96 f16', { m: 37, n: 53, k: 96, layout: 'linear', outDtype: 'f16', alpha: 0.25 }],
  ['nvfp4 swizzled m=130 (two row tiles)', { m: 130, n: 72, k: 160 }],
  ['mxfp4 swizzled', { m: 19, n: 129, k: 320, format: 'mxfp4' }],
  ['nvfp4 swizzled scales passed flat', { m: 7, n: 33, k: 128, flat: true, alpha: 0.5 }],
  ['mxfp4 linear', { m: 3, n: 40, k: 64, format: 'mxfp4', layout: 'linear', alpha: 2 }],
  ['W4A16 nvfp4 swizzled', { m: 5, n: 64, k: 128, w4a16: true }],
  [
    'W4A16 mxfp4 linear f16',
    { m: 11, n: 33, k: 96, w4a16: true, format: 'mxfp4', layout: 'linear', outDtype: 'f16' },
  ],
  ['nvfp4 k=2048', { m: 8, n: 64, k: 2048, alpha: 0.125 }],
  // W4A16 above the swap-AB range (M > 64): Hopper tiles 128 activation rows by 64 weight rows here.
  ['W4A16 nvfp4 m=130 (two row tiles)', { m: 130, n: 136, k: 256, w4a16: true }],
  [
    'W4A16 mxfp4 m=70 k=4096 f16 (split K)',
    { m: 70, n: 72, k: 4096, w4a16: true, format: 'mxfp4', outDtype: 'f16', alpha: 0.5 },
  ],
];

export const mmFp4Cases: ConformanceCase<'mmFp4'>[] = cases.map(([name, o]) => ({
  op: 'mmFp4',
  name,
  build: (seed) => build(seed, o),
  tolerance: TOLERANCE.dequantized,
}));

const bad = badInputsFor('mmFp4', (seed) => build(seed, { m: 4, n: 8, k: 64, alpha: 1 }));
const A = 'mmFp4';

export const mmFp4BadInputs: BadInputCase<'mmFp4'>[] = [
  bad('e4m3 a', 'E_DTYPE', `${A}.a`, (a, s) => ({ ...a, a: rnd('e4m3', [4, 64], s, 9) })),
  bad('bf16 b', 'E_DTYPE', `${A}.b`, (a, s) => ({ ...a, b: kMajor('bf16', [64, 8], s, 9) })),
  bad('b with the wrong K', 'E_SHAPE', `${A}.b`, (a, s) => ({ ...a, b: kMajor('e2m1x2', [16, 8], s, 9) })),
  bad('b row-major', 'E_LAYOUT', `${A}.b`, (a, s) => ({ ...a, b: rnd('e2m1x2', [32, 8], s, 9) })),
  bad('K = 48', 'E_ALIGN', `${A}.a`, (a, s) => ({
    ...a,
    a: rnd('e2m1x2', [4, 24], s, 9),
    b: kMajor('e2m1x2', [24, 8], s, 8),
  })),
  bad('nvfp4 with ue8m0 scales', 'E_DTYPE', `${A}.aScale`, (a, s) => ({
    ...a,
    aScale: rnd('ue8m0', [128, 4], s, 9),
  })),
  bad('mxfp4 with e4m3 scales', 'E_DTYPE', `${A}.aScale`, (a) => ({ ...a, format: 'mxfp4' })),
  bad('swizzled scales without padding', 'E_SHAPE', `${A}.aScale`, (a, s) => ({
    ...a,
    aScale: rnd('e4m3', [4, 4], s, 9),
  })),
  bad('linear layout with swizzled-shape scales', 'E_SHAPE', `${A}.aScale`, (a) => ({
    ...a,
    scaleLayout: 'linear',
  })),
  bad('FP4 a without aScale', 'E_UNSUPPORTED', `${A}.aScale`, (a) => ({ ...a, aScale: undefined })),
  bad('W4A16 with an aScale', 'E_UNSUPPORTED', `${A}.aScale`, (a, s) => ({
    ...a,
    a: rnd('bf16', [4, 64], s, 9),
  })),
  bad('flat scales with the linear layout', 'E_SHAPE', `${A}.aScale`, (a, s) => ({
    ...a,
    scaleLayout: 'linear',
    aScale: rnd('e4m3', [16], s, 9),
    bScale: rnd('e4m3', [8, 4], s, 8),
  })),
  bad('bScale not contiguous', 'E_LAYOUT', `${A}.bScale`, (a, s) => ({
    ...a,
    bScale: rnd('e4m3', [4, 128], s, 9).transpose(),
  })),
  bad("format 'fp4'", 'E_UNSUPPORTED', `${A}.format`, (a) => ({ ...a, format: 'fp4' as 'nvfp4' })),
  bad("scaleLayout '8x4'", 'E_UNSUPPORTED', `${A}.scaleLayout`, (a) => ({
    ...a,
    scaleLayout: '8x4' as 'linear',
  })),
  bad('alpha of shape [1, 1]', 'E_SHAPE', `${A}.alpha`, (a, s) => ({
    ...a,
    alpha: rnd('f32', [1, 1], s, 9),
  })),
  bad('outDtype e4m3', 'E_DTYPE', `${A}.outDtype`, (a) => ({
    ...a,
    outDtype: 'e4m3' as 'bf16',
    out: undefined,
  })),
  bad('misspelt option layout', 'E_UNSUPPORTED', 'mmFp4.layout', (a) => ({ ...a, layout: 1 }) as typeof a),
];
