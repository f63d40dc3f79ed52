import { checkRank, checkShape, checkTensor } from '../check.js';
import { dtypeBytes } from '../dtype.js';
import { fail } from '../errors.js';
import { defineOp } from '../op.js';
import type { Granularity, ScaleMajor } from '../scale.js';
import type { Tensor } from '../tensor.js';
import {
  ceilDiv,
  checkAlign,
  checkArgs,
  checkDtypeOption,
  checkFp8Pair,
  checkGranularity,
  checkOut,
  checkRowMajor,
  checkScalarF32,
  checkScaleMatrix,
  type Fp8DType,
  option,
} from './common/checks.js';

export type GroupwiseOutDtype = 'bf16' | 'f16' | 'e4m3';

export interface GemmFp8NtGroupwiseArgs {
  /** `[M, K]` e4m3/e5m2, row-major. */
  a: Tensor;
  /** `[N, K]` e4m3/e5m2, row-major ("NT": both operands K-major). */
  b: Tensor;
  /** f32 `[ceil(M/gm), ceil(K/gk)]`; contiguous along K ('K') or along M ('MN', column stride ≥ rows). */
  aScale: Tensor;
  /** f32 `[ceil(N/gn), ceil(K/gk)]`, same major as `aScale`. */
  bScale: Tensor;
  /** Which dimension of the scale matrices is contiguous. Default 'K'. */
  scaleMajorMode?: ScaleMajor;
  /** `[gm, gn, gk]`: `[1, 128, 128]` (default, per-token A) or `[128, 128, 128]` (block A). */
  scaleGranularityMnk?: Granularity;
  /** MMA SM count (only 1). */
  mmaSm?: number;
  /** `[M, N]`; its dtype decides the output when given. */
  out?: Tensor;
  /** Default bf16 without `outputScale`, e4m3 with it. */
  outDtype?: GroupwiseOutDtype;
  /** f32 `[1]`: output dequantization scale; given exactly when the output is e4m3. */
  outputScale?: Tensor;
}

export interface GemmFp8NtGroupwisePlan {
  m: number;
  n: number;
  k: number;
  aDtype: Fp8DType;
  bDtype: Fp8DType;
  outDtype: GroupwiseOutDtype;
  outShape: [number, number];
  granularity: Granularity;
  scaleMajor: ScaleMajor;
  /** Scale-matrix shapes `[rows, cols]` of A and B. */
  aScaleShape: [number, number];
  bScaleShape: [number, number];
}

export const GROUPWISE_GRANULARITIES: readonly Granularity[] = [
  [1, 128, 128],
  [128, 128, 128],
];

export const gemmFp8NtGroupwise = defineOp<GemmFp8NtGroupwiseArgs, GemmFp8NtGroupwisePlan, Tensor>({
  name: 'gemmFp8NtGroupwise',
  doc: [
    'acc[m,n] = Σ_k (a[m,k]·aScale[⌊m/gm⌋, ⌊k/gk⌋]) · (b[n,k]·bScale[⌊n/gn⌋, ⌊k/gk⌋]) with [gm,gn,gk] =',
    'scaleGranularityMnk; each dequantized value is exact, sums in float64 (GPUs: f32, promoted per K-block).',
    'Edge blocks are partial (ceil). out = round_out(acc) for bf16/f16, e4m3_saturate(acc / outputScale)',
    'for e4m3. K % 16 = 0.',
  ].join(' '),
  validate(args) {
    checkArgs(args, 'gemmFp8NtGroupwise', [
      'a',
      'b',
      'aScale',
      'bScale',
      'scaleMajorMode',
      'scaleGranularityMnk',
      'mmaSm',
      'out',
      'outDtype',
      'outputScale',
    ]);
    checkTensor(args.a, 'gemmFp8NtGroupwise.a');
    checkTensor(args.b, 'gemmFp8NtGroupwise.b');
    checkRank(args.a, 'gemmFp8NtGroupwise.a', 2);
    checkFp8Pair(args.a, args.b, 'gemmFp8NtGroupwise.a', 'gemmFp8NtGroupwise.b');
    const [m, k] = args.a.shape;
    checkShape(args.b, 'gemmFp8NtGroupwise.b', [undefined, k], ['n', 'k']);
    const n = args.b.shape[0];
    checkRowMajor(args.a, 'gemmFp8NtGroupwise.a');
    checkRowMajor(args.b, 'gemmFp8NtGroupwise.b');
    checkAlign(k, 16, 'gemmFp8NtGroupwise.a', 'K');
    const g = checkGranularity(
      args.scaleGranularityMnk,
      'gemmFp8NtGroupwise.scaleGranularityMnk',
      GROUPWISE_GRANULARITIES,
    );
    const major = option(args.scaleMajorMode, 'gemmFp8NtGroupwise.scaleMajorMode', ['K', 'MN'], 'K');
    if (args.mmaSm !== undefined && args.mmaSm !== 1)
      fail('E_UNSUPPORTED', 'only mmaSm = 1 is supported', {
        arg: 'gemmFp8NtGroupwise.mmaSm',
        expected: 1,
        actual: args.mmaSm,
      });
    const kb = ceilDiv(k, g[2]);
    const aScaleShape: [number, number] = [ceilDiv(m, g[0]), kb];
    const bScaleShape: [number, number] = [ceilDiv(n, g[1]), kb];
    checkScaleMatrix(args.aScale, 'gemmFp8NtGroupwise.aScale', aScaleShape[0], kb, major);
    checkScaleMatrix(args.bScale, 'gemmFp8NtGroupwise.bScale', bScaleShape[0], kb, major);
    const hasOutScale = args.outputScale !== undefined;
    let outDtype: GroupwiseOutDtype = args.outDtype ?? (hasOutScale ? 'e4m3' : 'bf16');
    if (args.out !== undefined) {
      checkTensor(args.out, 'gemmFp8NtGroupwise.out');
      if (args.outDtype === undefined) outDtype = args.out.dtype as GroupwiseOutDtype;
    }
    checkDtypeOption(outDtype, 'gemmFp8NtGroupwise.outDtype', ['bf16', 'f16', 'e4m3'] as const);
    if (outDtype === 'e4m3') {
      if (!hasOutScale)
        fail('E_UNSUPPORTED', 'an e4m3 output needs outputScale', {
          arg: 'gemmFp8NtGroupwise.outputScale',
          expected: 'f32 [1]',
          actual: 'undefined',
        });
      checkScalarF32(args.outputScale, 'gemmFp8NtGroupwise.outputScale');
    } else if (hasOutScale)
      fail('E_DTYPE', 'outputScale quantizes to e4m3; the output dtype must be e4m3', {
        arg: 'gemmFp8NtGroupwise.outDtype',
        expected: 'e4m3',
        actual: outDtype,
      });
    checkOut(args.out, 'gemmFp8NtGroupwise.out', [m, n], outDtype);
    return {
      m,
      n,
      k,
      aDtype: args.a.dtype as Fp8DType,
      bDtype: args.b.dtype as Fp8DType,
      outDtype,
      outShape: [m, n],
      granularity: g,
      scaleMajor: major,
      aScaleShape,
      bScaleShape,
    };
  },
  flops: (p) => 2 * p.m * p.n * p.k,
  bytes: (p) =>
    p.m * p.k +
    p.n * p.k +
    p.m * p.n * dtypeBytes(p.outDtype) +
    4 * (p.aScaleShape[0] * p.aScaleShape[1] + p.bScaleShape[0] * p.bScaleShape[1]),
});
