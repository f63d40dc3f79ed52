import { checkDtype, checkInnerContiguous, checkRank, checkShape, checkTensor } from '../check.js';
import type { DType } from '../dtype.js';
import { defineOp } from '../op.js';
import type { Tensor } from '../tensor.js';
import { checkArgs, checkDtypeOption, checkOut } from './common/checks.js';

export interface BmmFp16Args {
  /** `[B, M, K]` f16 or bf16, K contiguous. */
  a: Tensor;
  /** `[B, K, N]` same dtype as `a`. */
  b: Tensor;
  outDtype: 'f16' | 'bf16';
  /** Optional addend `[B, M, N]` (same dtype as the output). */
  c?: Tensor;
  out?: Tensor;
}

export interface BmmFp16Plan {
  batch: number;
  m: number;
  n: number;
  k: number;
  inDtype: DType;
  outDtype: 'f16' | 'bf16';
  outShape: [number, number, number];
  hasC: boolean;
}

export const bmmFp16 = defineOp<BmmFp16Args, BmmFp16Plan, Tensor>({
  name: 'bmmFp16',
  doc: 'out[b,m,n] = round_out( Σ_k a[b,m,k]·b[b,k,n] (+ c[b,m,n]) ), f32 or wider accumulation.',
  validate(args) {
    checkArgs(args, 'bmmFp16', ['a', 'b', 'outDtype', 'c', 'out']);
    checkTensor(args.a, 'bmmFp16.a');
    checkTensor(args.b, 'bmmFp16.b');
    checkRank(args.a, 'bmmFp16.a', 3);
    checkDtype(args.a, 'bmmFp16.a', ['f16', 'bf16']);
    checkDtype(args.b, 'bmmFp16.b', [args.a.dtype]);
    const [batch, m, k] = args.a.shape;
    checkShape(args.b, 'bmmFp16.b', [batch, k, undefined], ['batch', 'k', 'n']);
    const n = args.b.shape[2];
    checkInnerContiguous(args.a, 'bmmFp16.a');
    checkDtypeOption(args.outDtype, 'bmmFp16.outDtype', ['f16', 'bf16'] as const);
    if (args.c) {
      checkTensor(args.c, 'bmmFp16.c');
      checkShape(args.c, 'bmmFp16.c', [batch, m, n]);
      checkDtype(args.c, 'bmmFp16.c', [args.outDtype]);
    }
    checkOut(args.out, 'bmmFp16.out', [batch, m, n], args.outDtype);
    return {
      batch,
      m,
      n,
      k,
      inDtype: args.a.dtype,
      outDtype: args.outDtype,
      outShape: [batch, m, n],
      hasC: !!args.c,
    };
  },
  flops: (p) => 2 * p.batch * p.m * p.n * p.k,
  bytes: (p) => 2 * p.batch * (p.m * p.k + p.k * p.n + p.m * p.n * (p.hasC ? 2 : 1)),
});
