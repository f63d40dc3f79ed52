import { checkDtype, checkRank, checkShape, checkTensor } from '../check.js';
import { defineOp } from '../op.js';
import type { Tensor } from '../tensor.js';
import {
  checkAlign,
  checkArgs,
  checkDtypeOption,
  checkKContiguous,
  checkOut,
  checkRowMajor,
} from './common/checks.js';

export interface TgvGemmArgs {
  /** `[M, K]` bf16, row-major (M small: decode-time activations). */
  a: Tensor;
  /** `[K, N]` bf16 with K contiguous (a transposed `[N, K]` row-major weight). */
  b: Tensor;
  /** Optional `[N]` bf16 added to every row. */
  bias?: Tensor;
  /** `[M, N]` bf16. */
  out?: Tensor;
  /** Only bf16 (the default). */
  outDtype?: 'bf16';
  /** Programmatic dependent launch hint for the CUDA backend; no effect on the result. */
  pdl?: boolean;
}

export interface TgvGemmPlan {
  m: number;
  n: number;
  k: number;
  hasBias: boolean;
  outDtype: 'bf16';
  outShape: [number, number];
  pdl: boolean;
}

export const tgvGemm = defineOp<TgvGemmArgs, TgvGemmPlan, Tensor>({
  name: 'tgvGemm',
  doc: 'out[m,n] = round_bf16( Σ_k a[m,k]·b[k,n] + bias[n] ), exact products, float64 (≥ f32 on GPUs) sums; the bias joins before the one rounding. Tuned for small M. K % 8 = 0.',
  validate(args) {
    checkArgs(args, 'tgvGemm', ['a', 'b', 'bias', 'out', 'outDtype', 'pdl']);
    checkTensor(args.a, 'tgvGemm.a');
    checkTensor(args.b, 'tgvGemm.b');
    checkRank(args.a, 'tgvGemm.a', 2);
    checkDtype(args.a, 'tgvGemm.a', ['bf16']);
    checkDtype(args.b, 'tgvGemm.b', ['bf16']);
    const [m, k] = args.a.shape;
    checkShape(args.b, 'tgvGemm.b', [k, undefined], ['k', 'n']);
    const n = args.b.shape[1];
    checkRowMajor(args.a, 'tgvGemm.a');
    checkKContiguous(args.b, 'tgvGemm.b');
    checkAlign(k, 8, 'tgvGemm.a', 'K');
    if (args.bias !== undefined) {
      checkTensor(args.bias, 'tgvGemm.bias');
      checkDtype(args.bias, 'tgvGemm.bias', ['bf16']);
      checkShape(args.bias, 'tgvGemm.bias', [n], ['n']);
      checkRowMajor(args.bias, 'tgvGemm.bias');
    }
    checkDtypeOption(args.outDtype ?? 'bf16', 'tgvGemm.outDtype', ['bf16'] as const);
    checkOut(args.out, 'tgvGemm.out', [m, n], 'bf16');
    return {
      m,
      n,
      k,
      hasBias: args.bias !== undefined,
      outDtype: 'bf16',
      outShape: [m, n],
      pdl: args.pdl === true,
    };
  },
  flops: (p) => 2 * p.m * p.n * p.k,
  bytes: (p) => 2 * (p.m * p.k + p.k * p.n + p.m * p.n + (p.hasBias ? p.n : 0)),
});
