import { checkInt } from '../check.js';
import { defineOp, type ValidateMode } from '../op.js';
import type { Granularity } from '../scale.js';
import type { Tensor } from '../tensor.js';
import { hostIndexValues } from './grouped/host-index.js';
import { checkMaskedM, maskedRows } from './grouped/masked-layout.js';
import { cdiv } from './grouped/math.js';
import {
  checkKAlign,
  checkMajorDim,
  checkOperand,
  checkOutInner,
  type HalfDtype,
  resolveGranularity,
  resolveHalfOut,
} from './grouped/operands.js';

export interface BatchDeepgemmFp8NtGroupwiseArgs {
  /** `[B, M, K]` e4m3, K contiguous. */
  a: Tensor;
  /** `[B, N, K]` e4m3, K contiguous. */
  b: Tensor;
  /** `[B, M, ceil(K/128)]` f32 (per-token, 1x128). */
  aScale: Tensor;
  /** `[B, ceil(N/128), ceil(K/128)]` f32 (128x128 blocks). */
  bScale: Tensor;
  /** `[B]` int32: rows of group i that are computed, each in `[0, M]`. */
  maskedM: Tensor;
  /** Host hint of the typical rows per group (0 ≤ expectedM). */
  expectedM: number;
  /** Only `[1, 128, 128]` (the default). */
  scaleGranularityMnk?: Granularity;
  /** `[B, M, N]` bf16/f16, innermost contiguous. Rows ≥ maskedM[i] are never written. */
  out?: Tensor;
  /** When `out` is absent (default 'bf16'); when both are given they must agree. */
  outDtype?: HalfDtype;
}

export interface BatchDeepgemmFp8NtGroupwisePlan {
  batch: number;
  m: number;
  n: number;
  k: number;
  outDtype: HalfDtype;
  outShape: [number, number, number];
  expectedM: number;
  activeRows: number;
}

const OP = 'batchDeepgemmFp8NtGroupwise';

export const batchDeepgemmFp8NtGroupwise = defineOp<
  BatchDeepgemmFp8NtGroupwiseArgs,
  BatchDeepgemmFp8NtGroupwisePlan,
  Tensor
>({
  name: OP,
  doc:
    'Masked batched FP8 GEMM (FlashInfer, DeepGEMM backend): for group i and row m < maskedM[i], ' +
    'out[i,m,n] = round_out( Σ_k a[i,m,k]·aScale[i,m,k/128] · b[i,n,k]·bScale[i,n/128,k/128] ), float64 ' +
    'accumulation; rows ≥ maskedM[i] are left untouched.',
  validate(args, mode: ValidateMode = 'full') {
    resolveGranularity(
      args.scaleGranularityMnk,
      `${OP}.scaleGranularityMnk`,
      [1, 128, 128],
      [[1], [128], [128]],
    );
    checkOperand(args.a, `${OP}.a`, ['e4m3'], [undefined, undefined, undefined], ['B', 'M', 'K']);
    const [batch, m, k] = args.a.shape;
    checkOperand(args.b, `${OP}.b`, ['e4m3'], [batch, undefined, k], ['B', 'N', 'K']);
    const n = args.b.shape[1];
    checkMajorDim(args.a, `${OP}.a`, 2, 'K');
    checkMajorDim(args.b, `${OP}.b`, 2, 'K');
    checkKAlign(k, `${OP}.a`);
    const kb = cdiv(k, 128);
    checkOperand(args.aScale, `${OP}.aScale`, ['f32'], [batch, m, kb], ['B', 'M', 'ceil(K/128)']);
    checkOperand(
      args.bScale,
      `${OP}.bScale`,
      ['f32'],
      [batch, cdiv(n, 128), kb],
      ['B', 'ceil(N/128)', 'ceil(K/128)'],
    );
    checkOperand(args.maskedM, `${OP}.maskedM`, ['i32'], [batch], ['B']);
    checkInt(args.expectedM, `${OP}.expectedM`, 0);
    const outDtype = resolveHalfOut(args.out, args.outDtype, `${OP}.out`);
    if (args.out) {
      checkOperand(args.out, `${OP}.out`, [outDtype], [batch, m, n], ['B', 'M', 'N']);
      checkOutInner(args.out, `${OP}.out`);
    }
    let activeRows = batch * m;
    const masked = mode === 'full' ? hostIndexValues(args.maskedM) : null;
    if (masked) {
      checkMaskedM(masked, m, `${OP}.maskedM`);
      activeRows = masked.reduce((s, _, i) => s + maskedRows(masked, i, m), 0);
    }
    return { batch, m, n, k, outDtype, outShape: [batch, m, n], expectedM: args.expectedM, activeRows };
  },
  flops: (p) => 2 * p.activeRows * p.n * p.k,
  bytes: (p) =>
    p.activeRows * p.k +
    p.batch * p.n * p.k +
    4 * p.activeRows * cdiv(p.k, 128) +
    4 * p.batch * cdiv(p.n, 128) * cdiv(p.k, 128) +
    4 * p.batch +
    2 * p.activeRows * p.n,
});
