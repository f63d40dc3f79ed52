import { swizzled128x4Shape } from '../../ops/quant-layout.js';
import { fullTensor, randomTensor } from '../../random.js';
import { Tensor } from '../../tensor.js';
import { type BadInputCase, type ConformanceCase, TOLERANCE } from '../types.js';
import { bad } from './quant-helpers.js';

const op = 'dequantFp4';
const fp4 = (shape: number[], seed: number) => randomTensor('e2m1x2', shape, { seed, std: 3 });
/** Random byte scales: e4m3 in [0.02, 8), ue8m0 around 2^0. */
const nvScale = (shape: number[], seed: number) =>
  randomTensor('e4m3', shape, { seed: seed + 1, dist: 'uniform', low: 0.02, high: 8 });
const swizzledSize = (rows: number, cols: number) => swizzled128x4Shape(rows, cols).size;

const c = (name: string, build: ConformanceCase<typeof op>['build']): ConformanceCase<typeof op> => ({
  op,
  name,
  build,
  tolerance: TOLERANCE.dequantized,
});

export const dequantFp4Cases: ConformanceCase<typeof op>[] = [
  c('nvfp4 linear [3,32] → f32', (s) => ({
    x: fp4([3, 16], s),
    scale: nvScale([3, 2], s),
    layout: 'linear',
  })),
  c('nvfp4 swizzled [130,80] global scale → bf16', (s) => ({
    x: fp4([130, 40], s),
    scale: nvScale([swizzledSize(130, 5)], s),
    globalScale: fullTensor('f32', [1], 12.5),
    outDtype: 'bf16',
  })),
  c('mxfp4 linear [2,3,64] → f16', (s) => ({
    x: fp4([2, 3, 32], s),
    scale: randomTensor('ue8m0', [2, 3, 2], { seed: s }),
    layout: 'linear',
    outDtype: 'f16',
  })),
  c('mxfp4 swizzled [5,96]', (s) => ({
    x: fp4([5, 48], s),
    scale: randomTensor('ue8m0', [swizzledSize(5, 3)], { seed: s }),
  })),
  c('strided data', (s) => ({
    x: fp4([8, 4], s).transpose(0, 1),
    scale: nvScale([4, 1], s),
    layout: 'linear',
  })),
];

const x = (seed: number) => fp4([4, 32], seed);
const lin = (seed: number) => nvScale([4, 4], seed);

export const dequantFp4BadInputs: BadInputCase<typeof op>[] = [
  bad(op, 'x not a tensor', 'E_UNSUPPORTED', `${op}.x`, (s) => ({ x: {} as any, scale: lin(s) })),
  bad(op, 'x of e4m3', 'E_DTYPE', `${op}.x`, (s) => ({
    x: randomTensor('e4m3', [4, 32], { seed: s }),
    scale: lin(s),
    layout: 'linear',
  })),
  bad(op, 'x of rank 1', 'E_SHAPE', `${op}.x`, (s) => ({ x: fp4([32], s), scale: lin(s), layout: 'linear' })),
  bad(op, 'scale of f32', 'E_DTYPE', `${op}.scale`, (s) => ({
    x: x(s),
    scale: randomTensor('f32', [4, 4], { seed: s }),
    layout: 'linear',
  })),
  bad(op, 'globalScale with ue8m0 scales', 'E_UNSUPPORTED', `${op}.globalScale`, (s) => ({
    x: x(s),
    scale: randomTensor('ue8m0', [4, 2], { seed: s }),
    layout: 'linear',
    globalScale: fullTensor('f32', [1], 2),
  })),
  bad(op, 'swizzled scale as a strided view', 'E_LAYOUT', `${op}.scale`, (s) => {
    const wide = nvScale([swizzledSize(4, 4) * 2], s);
    return { x: x(s), scale: new Tensor('e4m3', [swizzledSize(4, 4)], wide.storage, [2], 0) };
  }),
  bad(op, 'globalScale negative', 'E_RANGE', `${op}.globalScale`, (s) => ({
    x: x(s),
    scale: lin(s),
    layout: 'linear',
    globalScale: fullTensor('f32', [1], -1),
  })),
  bad(op, 'globalScale 0', 'E_RANGE', `${op}.globalScale`, (s) => ({
    x: x(s),
    scale: lin(s),
    layout: 'linear',
    globalScale: fullTensor('f32', [1], 0),
  })),
  bad(op, 'globalScale NaN', 'E_RANGE', `${op}.globalScale`, (s) => ({
    x: x(s),
    scale: lin(s),
    layout: 'linear',
    globalScale: fullTensor('f32', [1], Number.NaN),
  })),
  bad(op, 'globalScale infinite', 'E_RANGE', `${op}.globalScale`, (s) => ({
    x: x(s),
    scale: lin(s),
    layout: 'linear',
    globalScale: fullTensor('f32', [1], Number.POSITIVE_INFINITY),
  })),
  bad(op, 'unknown layout', 'E_UNSUPPORTED', `${op}.layout`, (s) => ({
    x: x(s),
    scale: lin(s),
    layout: 'rowmajor' as any,
  })),
  bad(op, 'K = 24 not a multiple of 16', 'E_ALIGN', `${op}.x`, (s) => ({
    x: fp4([4, 12], s),
    scale: lin(s),
    layout: 'linear',
  })),
  bad(op, 'linear scale given as swizzled', 'E_SHAPE', `${op}.scale`, (s) => ({ x: x(s), scale: lin(s) })),
  bad(op, 'linear scale of wrong shape', 'E_SHAPE', `${op}.scale`, (s) => ({
    x: x(s),
    scale: nvScale([4, 2], s),
    layout: 'linear',
  })),
  bad(op, 'outDtype e2m1x2', 'E_UNSUPPORTED', `${op}.outDtype`, (s) => ({
    x: x(s),
    scale: lin(s),
    layout: 'linear',
    outDtype: 'e2m1x2' as any,
  })),
  bad(op, 'out packed shape', 'E_SHAPE', `${op}.out`, (s) => ({
    x: x(s),
    scale: lin(s),
    layout: 'linear',
    out: Tensor.host('f32', [4, 32]),
  })),
];
