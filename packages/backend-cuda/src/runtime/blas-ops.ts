import {
  type BmmFp8Args,
  type BmmFp8Plan,
  type BmmFp16Args,
  type BmmFp16Plan,
  fail,
  type KernelContext,
  type Tensor,
} from '@gemmkit/core';
import type { LtDataType } from '../bindings/cublaslt.js';
import type { CudaRuntime } from './runtime.js';

/**
 * bmmFp16 and per-tensor bmmFp8 through cuBLASLt. The backend prefers these and falls back to the
 * hand-written kernels (src/ops) for what cuBLASLt cannot do here (no library, row-wise FP8 scales, e4m3
 * output): `null` from a `try*` function means "not handled, use the fallback".
 */

type RuntimeOf = (kctx: KernelContext) => CudaRuntime;

const op3 = (t: Tensor): readonly [number, number, number] => [t.strides[0], t.strides[1], t.strides[2]];

function outputFor(
  kctx: KernelContext,
  out: Tensor | undefined,
  dtype: 'f16' | 'bf16' | 'e4m3',
  shape: readonly number[],
  op: string,
): Tensor {
  const t = out ?? kctx.backend.empty(dtype, shape);
  if (!t.isContiguous)
    fail('E_LAYOUT', `${op}: out must be contiguous on the CUDA backend`, {
      arg: `${op}.out`,
      expected: 'contiguous',
      actual: t.strides,
    });
  return t;
}

/** No cuBLASLt algorithm: free an output we allocated ourselves and let the fallback kernel run. */
function discard(out: Tensor, given: Tensor | undefined): null {
  if (out !== given) out.dispose();
  return null;
}

/** True when cuBLASLt can be used (loaded lazily; missing library → false). */
function hasBlas(rt: CudaRuntime): boolean {
  try {
    void rt.blas;
    return true;
  } catch {
    return false;
  }
}

export function tryBmmFp16(
  rtOf: RuntimeOf,
  plan: BmmFp16Plan,
  args: BmmFp16Args,
  kctx: KernelContext,
): Tensor | null {
  const rt = rtOf(kctx);
  if (!hasBlas(rt)) return null;
  const out = outputFor(kctx, args.out, plan.outDtype, plan.outShape, 'bmmFp16');
  if (plan.batch * plan.m * plan.n === 0) return out;
  const addr = rt.tensorAddress;
  if (plan.k === 0) {
    // Empty sum: out = c, or zeros.
    if (args.c?.isContiguous) rt.copy(addr(out, 'bmmFp16.out'), addr(args.c, 'bmmFp16.c'), out.nbytes);
    else if (!args.c) rt.fill(addr(out, 'bmmFp16.out'), 0, out.nbytes);
    else return null;
    return out;
  }
  const ran = rt.blas.run({
    op: 'bmmFp16',
    batch: plan.batch,
    m: plan.m,
    n: plan.n,
    k: plan.k,
    a: { ptr: addr(args.a, 'bmmFp16.a'), dtype: plan.inDtype as LtDataType, strides: op3(args.a) },
    b: { ptr: addr(args.b, 'bmmFp16.b'), dtype: plan.inDtype as LtDataType, strides: op3(args.b) },
    out: { ptr: addr(out, 'bmmFp16.out'), dtype: plan.outDtype },
    c: args.c ? { ptr: addr(args.c, 'bmmFp16.c'), dtype: plan.outDtype, strides: op3(args.c) } : undefined,
    stream: rt.stream,
  });
  return ran ? out : discard(out, args.out);
}

export function tryBmmFp8(
  rtOf: RuntimeOf,
  plan: BmmFp8Plan,
  args: BmmFp8Args,
  kctx: KernelContext,
): Tensor | null {
  // cuBLASLt: per-tensor scales, bf16/f16 output; e4m3 × e5m2 mixes allowed, e5m2 × e5m2 is not.
  if (plan.rowScale || plan.outDtype === 'e4m3' || (plan.aDtype === 'e5m2' && plan.bDtype === 'e5m2'))
    return null;
  const rt = rtOf(kctx);
  if (!hasBlas(rt)) return null;
  const out = outputFor(kctx, args.out, plan.outDtype, plan.outShape, 'bmmFp8');
  if (plan.batch * plan.m * plan.n === 0) return out;
  const addr = rt.tensorAddress;
  if (plan.k === 0) {
    rt.fill(addr(out, 'bmmFp8.out'), 0, out.nbytes);
    return out;
  }
  const ran = rt.blas.run({
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
    stream: rt.stream,
  });
  return ran ? out : discard(out, args.out);
}
