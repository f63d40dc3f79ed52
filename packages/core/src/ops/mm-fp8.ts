import { checkInnerContiguous, checkRank, checkShape, checkTensor } from '../check.js';
import { dtypeBytes } from '../dtype.js';
import { defineOp } from '../op.js';
import type { Tensor } from '../tensor.js';
import {
  checkAlign,
  checkArgs,
  checkDtypeOption,
  checkFp8Pair,
  checkKContiguous,
  checkOut,
  checkScalarF32,
  type Fp8DType,
} from './common/checks.js';

export interface MmFp8Args {
  /** `[M, K]` e4m3/e5m2, K contiguous. */
  a: Tensor;
  /** `[K, N]` e4m3/e5m2, K contiguous (a transposed `[N, K]` row-major weight). */
  b: Tensor;
  /** f32 `[1]` global scale (usually aScale·bScale); default 1. */
  alpha?: Tensor;
  outDtype: 'bf16' | 'f16';
  /** `[M, N]` of `outDtype`. */
  out?: Tensor;
}

export interface MmFp8Plan {
  m: number;
  n: number;
  k: number;
  aDtype: Fp8DType;
  bDtype: Fp8DType;
  outDtype: 'bf16' | 'f16';
  outShape: [number, number];
  hasAlpha: boolean;
}

export const mmFp8 = defineOp<MmFp8Args, MmFp8Plan, Tensor>({
  name: 'mmFp8',
  doc: 'out[m,n] = round_out( alpha · Σ_k a[m,k]·b[k,n] ), exact products, float64 (≥ f32 on GPUs) sums; alpha = alpha[0] or 1. K % 16 = 0.',
  validate(args) {
    checkArgs(args, 'mmFp8', ['a', 'b', 'alpha', 'outDtype', 'out']);
    checkTensor(args.a, 'mmFp8.a');
    checkTensor(args.b, 'mmFp8.b');
    checkRank(args.a, 'mmFp8.a', 2);
    checkFp8Pair(args.a, args.b, 'mmFp8.a', 'mmFp8.b');
    const [m, k] = args.a.shape;
    checkShape(args.b, 'mmFp8.b', [k, undefined], ['k', 'n']);
    const n = args.b.shape[1];
    checkInnerContiguous(args.a, 'mmFp8.a');
    checkKContiguous(args.b, 'mmFp8.b');
    checkAlign(k, 16, 'mmFp8.a', 'K');
    if (args.alpha !== undefined) checkScalarF32(args.alpha, 'mmFp8.alpha');
    checkDtypeOption(args.outDtype, 'mmFp8.outDtype', ['bf16', 'f16'] as const);
    checkOut(args.out, 'mmFp8.out', [m, n], args.outDtype);
    return {
      m,
      n,
      k,
      aDtype: args.a.dtype as Fp8DType,
      bDtype: args.b.dtype as Fp8DType,
      outDtype: args.outDtype,
      outShape: [m, n],
      hasAlpha: args.alpha !== undefined,
    };
  },
  flops: (p) => 2 * p.m * p.n * p.k,
  bytes: (p) => p.m * p.k + p.k * p.n + p.m * p.n * dtypeBytes(p.outDtype),
});
