import type { BmmFp8Args, BmmFp8Plan, BmmFp16Args, BmmFp16Plan, KernelContext, Tensor } from '@gemmkit/core';
import type { LtDataType } from '../bindings/cublaslt.js';
import type { CudaRuntime } from './runtime.js';

/**
 * bmmFp16 and per-tensor bmmFp8 through cuBLASLt. The backend prefers these and falls back to the
 * hand-written kernels (src/ops) for what cuBLASLt cannot do here (no library, row-wise FP8 scales, e4m3
 * output): a string from a `try*` function is the reason it was not handled (use the fallback).
 */

type RuntimeOf = (kctx: KernelContext) => CudaRuntime;

/** A rank-3 operand's strides as they are (no copy: the tensor's own frozen array). */
const op3 = (t: Tensor): readonly number[] => t.strides;

/** An output cuBLASLt can write: the given one if contiguous (else null), or a new one. */
function outputFor(
  kctx: KernelContext,
  out: Tensor | undefined,
  dtype: 'f16' | 'bf16' | 'e4m3',
  shape: readonly number[],
): Tensor | null {
  if (out && !out.isContiguous) return null;
  return out ?? kctx.backend.empty(dtype, shape);
}

/** Not handled: free an output we allocated ourselves and pass the reason on. */
function discard(out: Tensor, given: Tensor | undefined, reason: string): string {
  if (out !== given) out.dispose();
  return reason;
}

/** Small problems are host-bound, and gemmkit's kernels launch faster than cuBLASLt (see DEFAULT_BLAS_MIN_MACS). */
function tooSmall(rt: CudaRuntime, batch: number, m: number, n: number, k: number): string | null {
  const macs = batch * m * n * k;
  return macs > 0 && macs <= rt.blasMinMacs
    ? `at most ${rt.blasMinMacs} multiply-adds: host-bound, where gemmkit's kernel launches faster`
    : null;
}

/** null when cuBLASLt can be used (loaded lazily), else why not. */
function blasMissing(rt: CudaRuntime): string | null {
  try {
    void rt.blas;
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

export function tryBmmFp16(
  rtOf: RuntimeOf,
  plan: BmmFp16Plan,
  args: BmmFp16Args,
  kctx: KernelContext,
): Tensor | string {
  const rt = rtOf(kctx);
  const small = tooSmall(rt, plan.batch, plan.m, plan.n, plan.k);
  if (small) return small;
  const missing = blasMissing(rt);
  if (missing) return missing;
  const out = outputFor(kctx, args.out, plan.outDtype, plan.outShape);
  if (!out) return 'out is not contiguous';
  if (plan.batch * plan.m * plan.n === 0) return out;
  const addr = rt.tensorAddress;
  if (plan.k === 0) {
    // Empty sum: out = c, or zeros.
    if (args.c?.isContiguous) rt.copy(addr(out, 'bmmFp16.out'), addr(args.c, 'bmmFp16.c'), out.nbytes);
    else if (!args.c) rt.fill(addr(out, 'bmmFp16.out'), 0, out.nbytes);
    else return discard(out, args.out, 'k = 0 with a strided c');
    return out;
  }
  const notRun = rt.blas.run({
    op: 'bmmFp16',
    batch: plan.batch,
    m: plan.m,
    n: plan.n,
    k: plan.k,
    a: { ptr: addr(args.a, 'bmmFp16.a'), dtype: plan.inDtype as LtDataType, strides: op3(args.a) },
    b: { ptr: addr(args.b, 'bmmFp16.b'), dtype: plan.inDtype as LtDataType, strides: op3(args.b) },
    out: { ptr: addr(out, 'bmmFp16.out'), dtype: plan.outDtype },
    c: args.c ? { ptr: addr(args.c, 'bmmFp16.c'), dtype: plan.outDtype, strides: op3(args.c) } : undefined,
    stream: rt.ffiStream,
  });
  return notRun === null ? out : discard(out, args.out, notRun);
}

export function tryBmmFp8(
  rtOf: RuntimeOf,
  plan: BmmFp8Plan,
  args: BmmFp8Args,
  kctx: KernelContext,
): Tensor | string {
  // cuBLASLt: per-tensor scales, bf16/f16 output; e4m3 × e5m2 mixes allowed, e5m2 × e5m2 is not.
  if (plan.rowScale) return 'the cuBLASLt path takes per-tensor scales only';
  if (plan.outDtype === 'e4m3') return 'the cuBLASLt path writes bf16/f16 only';
  if (plan.aDtype === 'e5m2' && plan.bDtype === 'e5m2') return 'cuBLASLt has no e5m2 x e5m2 GEMM';
  const rt = rtOf(kctx);
  const small = tooSmall(rt, plan.batch, plan.m, plan.n, plan.k);
  if (small) return small;
  const missing = blasMissing(rt);
  if (missing) return missing;
  const out = outputFor(kctx, args.out, plan.outDtype, plan.outShape);
  if (!out) return 'out is not contiguous';
  if (plan.batch * plan.m * plan.n === 0) return out;
  const addr = rt.tensorAddress;
  if (plan.k === 0) {
    rt.fill(addr(out, 'bmmFp8.out'), 0, out.nbytes);
    return out;
  }
  const notRun = rt.blas.run({
    op: 'bmmFp8',
    batch: plan.batch,
    m: plan.m,
    n: plan.n,
    k: plan.k,
    a: { ptr: addr(args.a, 'bmmFp8.a'), dtype: plan.aDtype, strides: op3(args.a) },
    b: { ptr: addr(args.b, 'bmmFp8.b'), dtype: plan.bDtype, strides: op3(args.b) },
    out: { ptr: addr(out, 'bmmFp8.out'), dtype: plan.outDtype as LtDataType },
    aScale: addr(args.aScale, 'bmmFp8.aScale'),
    bScale: addr(args.bScale, 'bmmFp8.bScale'),
    stream: rt.ffiStream,
  });
  return notRun === null ? out : discard(out, args.out, notRun);
}
