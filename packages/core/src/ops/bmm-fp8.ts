import { checkDtype, checkInnerContiguous, checkRank, checkShape, checkTensor } from '../check.js';
import { dtypeBytes } from '../dtype.js';
import { fail } from '../errors.js';
import { defineOp } from '../op.js';
import type { Granularity } from '../scale.js';
import type { Tensor } from '../tensor.js';
import {
  checkAlign,
  checkArgs,
  checkDtypeOption,
  checkFp8Pair,
  checkGranularity,
  checkKContiguous,
  checkOut,
  checkScalarF32,
  type Fp8DType,
} from './common/checks.js';

export type BmmFp8OutDtype = 'bf16' | 'f16' | 'e4m3';

export interface BmmFp8Args {
  /** `[B, M, K]` e4m3/e5m2, K contiguous. */
  a: Tensor;
  /** `[B, K, N]` e4m3/e5m2, K contiguous (a transposed `[B, N, K]` row-major weight). */
  b: Tensor;
  /** f32 dequantization scale of `a`: `[1]` per tensor, or `[B, M]` (one per row) with granularity `[1, -1, -1]`. */
  aScale: Tensor;
  /** f32 dequantization scale of `b`: `[1]`. */
  bScale: Tensor;
  outDtype: BmmFp8OutDtype;
  /** `[B, M, N]` of `outDtype`, innermost dimension contiguous. */
  out?: Tensor;
  /** `[m, n, k]` granularity of `aScale`: `[-1, -1, -1]` (default, per tensor) or `[1, -1, -1]` (per row). */
  scaleGranularity?: Granularity;
  /** f32 `[1]`, required exactly when `outDtype` is e4m3: the output's dequantization scale. */
  outputScale?: Tensor;
}

export interface BmmFp8Plan {
  batch: number;
  m: number;
  n: number;
  k: number;
  aDtype: Fp8DType;
  bDtype: Fp8DType;
  outDtype: BmmFp8OutDtype;
  outShape: [number, number, number];
  /** True for granularity [1, -1, -1]: `aScale` is `[B, M]`. */
  rowScale: boolean;
}

export const BMM_FP8_GRANULARITIES: readonly Granularity[] = [
  [-1, -1, -1],
  [1, -1, -1],
];

export const bmmFp8 = defineOp<BmmFp8Args, BmmFp8Plan, Tensor>({
  name: 'bmmFp8',
  doc: [
    'acc[b,m,n] = Σ_k (a[b,m,k]·sa) · (b[b,k,n]·sb), exact products, float64 (≥ f32 on GPUs) sums;',
    'sa = aScale[0] (per tensor) or aScale[b,m] (granularity [1,-1,-1]); sb = bScale[0].',
    'out = round_out(acc) for bf16/f16; out = e4m3_saturate(acc / outputScale) for an e4m3 output',
    '(outputScale is the output dequantization scale: out·outputScale ≈ acc). K % 16 = 0.',
  ].join(' '),
  validate(args) {
    checkArgs(args, 'bmmFp8', [
      'a',
      'b',
      'aScale',
      'bScale',
      'outDtype',
      'out',
      'scaleGranularity',
      'outputScale',
    ]);
    checkTensor(args.a, 'bmmFp8.a');
    checkTensor(args.b, 'bmmFp8.b');
    checkRank(args.a, 'bmmFp8.a', 3);
    checkFp8Pair(args.a, args.b, 'bmmFp8.a', 'bmmFp8.b');
    const [batch, m, k] = args.a.shape;
    checkShape(args.b, 'bmmFp8.b', [batch, k, undefined], ['batch', 'k', 'n']);
    const n = args.b.shape[2];
    checkInnerContiguous(args.a, 'bmmFp8.a');
    checkKContiguous(args.b, 'bmmFp8.b');
    checkAlign(k, 16, 'bmmFp8.a', 'K');
    const g = checkGranularity(args.scaleGranularity, 'bmmFp8.scaleGranularity', BMM_FP8_GRANULARITIES);
    const rowScale = g[0] === 1;
    if (rowScale) {
      checkTensor(args.aScale, 'bmmFp8.aScale');
      checkDtype(args.aScale, 'bmmFp8.aScale', ['f32']);
      checkShape(args.aScale, 'bmmFp8.aScale', [batch, m], ['batch', 'm']);
      checkInnerContiguous(args.aScale, 'bmmFp8.aScale');
    } else checkScalarF32(args.aScale, 'bmmFp8.aScale');
    checkScalarF32(args.bScale, 'bmmFp8.bScale');
    checkDtypeOption(args.outDtype, 'bmmFp8.outDtype', ['bf16', 'f16', 'e4m3'] as const);
    if (args.outDtype === 'e4m3') {
      if (args.outputScale === undefined)
        fail('E_UNSUPPORTED', 'an e4m3 output needs outputScale', {
          arg: 'bmmFp8.outputScale',
          expected: 'f32 [1]',
          actual: 'undefined',
        });
      checkScalarF32(args.outputScale, 'bmmFp8.outputScale');
    } else if (args.outputScale !== undefined)
      fail('E_UNSUPPORTED', 'outputScale is only used with an e4m3 output', {
        arg: 'bmmFp8.outputScale',
        expected: 'undefined (or outDtype e4m3)',
        actual: args.outDtype,
      });
    checkOut(args.out, 'bmmFp8.out', [batch, m, n], args.outDtype);
    return {
      batch,
      m,
      n,
      k,
      aDtype: args.a.dtype as Fp8DType,
      bDtype: args.b.dtype as Fp8DType,
      outDtype: args.outDtype,
      outShape: [batch, m, n],
      rowScale,
    };
  },
  flops: (p) => 2 * p.batch * p.m * p.n * p.k,
  bytes: (p) =>
    p.batch * (p.m * p.k + p.k * p.n + p.m * p.n * dtypeBytes(p.outDtype)) +
    4 * (p.rowScale ? p.batch * p.m : 1),
});
