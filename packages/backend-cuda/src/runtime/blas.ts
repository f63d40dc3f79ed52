import {
  CUBLAS_COMPUTE_32F,
  CUBLAS_OP_N,
  CUBLAS_OP_T,
  type CublasLt,
  CudaDataType,
  type Heuristic,
  LayoutAttr,
  type LtDataType,
  type LtMatmulRaw,
  MatmulDescAttr,
} from '../bindings/cublaslt.js';
import { NativeBuffer } from '../bindings/native.js';
import type {
  CuStream,
  DevicePtr,
  LtHandle,
  LtLayout,
  LtMatmulDesc,
  LtPreference,
} from '../bindings/types.js';
import { type FfiU64, ffiU64 } from '../bindings/types.js';
import { KeyScratch, ShapeKeyMap } from './shape-key.js';

/** A row-major operand: base address, dtype and element strides of its three dims. */
export interface LtOperand {
  ptr: DevicePtr;
  dtype: LtDataType;
  /** Element strides of (batch, row, column). */
  strides: readonly number[];
}

/**
 * out[b] (M×N, row-major, contiguous) = alpha · aScale · bScale · A[b] (M×K) · B[b] (K×N) (+ C[b]).
 * `aScale`/`bScale` are device pointers to one f32 each (per-tensor FP8 scales).
 */
export interface LtGemmArgs {
  op: string;
  batch: number;
  m: number;
  n: number;
  k: number;
  a: LtOperand;
  b: LtOperand;
  out: { ptr: DevicePtr; dtype: LtDataType };
  c?: LtOperand;
  aScale?: DevicePtr;
  bScale?: DevicePtr;
  alpha?: number;
  /** The runtime's stream (its FFI form, ffiU64, is accepted too). */
  stream: CuStream | FfiU64;
}

interface Plan {
  desc: LtMatmulDesc;
  layouts: LtLayout[];
  aL: LtLayout;
  bL: LtLayout;
  cL: LtLayout;
  dL: LtLayout;
  algo: Heuristic;
  fp8: boolean;
  /** Handles and host addresses of the matmul call, in FFI form; the algo lives in `algoMem`. */
  raw: LtMatmulRaw;
  algoMem: NativeBuffer;
  /** The FP8 scale pointers last written into `desc` (rewritten only when they change). */
  aScaleSet: bigint;
  bScaleSet: bigint;
}

/** cuBLAS view of one row-major operand: transpose flag and column-major layout (rows, cols, ld). */
export function colMajorView(
  rows: number,
  cols: number,
  sRow: number,
  sCol: number,
): { op: number; rows: number; cols: number; ld: number } | null {
  // Row-major R×C with unit column stride == column-major C×R with ld = row stride, no transpose.
  if (sCol === 1 || cols === 1)
    return { op: CUBLAS_OP_N, rows: cols, cols: rows, ld: Math.max(sRow, cols, 1) };
  if (sRow === 1 || rows === 1) return { op: CUBLAS_OP_T, rows, cols, ld: Math.max(sCol, rows, 1) };
  return null;
}

/**
 * Batched GEMM through cuBLASLt. cuBLAS is column-major, so a row-major out = A·B is computed as
 * outᵀ = Bᵀ·Aᵀ: cuBLAS "A" is our B and cuBLAS "B" is our A (m_c = N, n_c = M). For FP8 cuBLASLt only
 * supports the "TN" form (cuBLAS A transposed, B not), i.e. both of our operands K-contiguous.
 * Descriptors, layouts and the chosen algorithm are cached per problem signature.
 */
export class LtGemm {
  readonly #lt: CublasLt;
  readonly #handle: LtHandle;
  readonly #pref: LtPreference;
  readonly #workspace: DevicePtr;
  readonly #workspaceBytes: number;
  /** alpha (f32 @0) and beta (f32 @4) in native memory, rewritten per call. */
  readonly #scalars = new NativeBuffer(8, 8);
  /**
   * Plans by problem signature (sizes, dtypes, strides, which of c / scales are given), through a numeric key:
   * a string says why cuBLASLt cannot take the problem (remembered, not re-derived or re-queried).
   */
  readonly #plans = new ShapeKeyMap<Plan | string>();
  readonly #key = new KeyScratch();

  constructor(lt: CublasLt, workspace: DevicePtr, workspaceBytes: number) {
    this.#lt = lt;
    this.#handle = lt.create();
    this.#pref = lt.preferenceCreate();
    lt.preferenceSetWorkspace(this.#pref, workspaceBytes);
    this.#workspace = workspace;
    this.#workspaceBytes = workspaceBytes;
  }

  /**
   * Enqueue the GEMM and return null, or return why cuBLASLt cannot take this problem (nothing enqueued):
   * a layout it cannot express, FP8 outside the TN form, or no algorithm from the heuristic (e.g. f16 inputs
   * with a bf16 output, FP8 leading dimensions that are not multiples of 16 bytes). The caller then uses
   * another kernel or reports the reason.
   */
  run(g: LtGemmArgs): string | null {
    const a = g.a.strides;
    const b = g.b.strides;
    const k = this.#key.reset().num(g.batch).num(g.m).num(g.n).num(g.k);
    k.str(g.a.dtype)
      .str(g.b.dtype)
      .str(g.out.dtype)
      .num(a[0])
      .num(a[1])
      .num(a[2])
      .num(b[0])
      .num(b[1])
      .num(b[2]);
    if (g.c) k.str(g.c.dtype).num(g.c.strides[0]).num(g.c.strides[1]).num(g.c.strides[2]);
    else k.num(-1);
    k.num(g.aScale ? 1 : 0).num(g.bScale ? 1 : 0);
    let plan = this.#plans.get(k);
    if (plan === undefined) {
      plan = this.#prepare(g);
      this.#plans.set(k, plan);
    }
    if (typeof plan === 'string') return plan;
    const lt = this.#lt;
    if (plan.fp8) {
      // Scale pointers change per call (they are tensors); the attribute is read at matmul time, so it is
      // rewritten whenever it differs from what the descriptor holds.
      const sa = g.bScale ?? 0n;
      const sb = g.aScale ?? 0n;
      if (plan.aScaleSet !== sa) {
        lt.matmulDescSet(plan.desc, MatmulDescAttr.aScalePointer, sa, 'u64');
        plan.aScaleSet = sa;
      }
      if (plan.bScaleSet !== sb) {
        lt.matmulDescSet(plan.desc, MatmulDescAttr.bScalePointer, sb, 'u64');
        plan.bScaleSet = sb;
      }
    }
    const v = this.#scalars.view;
    v.setFloat32(0, g.alpha ?? 1, true);
    v.setFloat32(4, g.c ? 1 : 0, true);
    const out = ffiU64(g.out.ptr);
    const stream = typeof g.stream === 'bigint' ? ffiU64(g.stream) : g.stream;
    // cuBLAS A is our b, cuBLAS B our a (see the class comment).
    lt.matmulRaw(plan.raw, ffiU64(g.b.ptr), ffiU64(g.a.ptr), g.c ? ffiU64(g.c.ptr) : out, out, stream);
    return null;
  }

  /** A new plan for a problem signature, or why cuBLASLt cannot take it. */
  #prepare(g: LtGemmArgs): Plan | string {
    const fp8 = g.a.dtype === 'e4m3' || g.a.dtype === 'e5m2';
    const A = colMajorView(g.k, g.n, g.b.strides[1], g.b.strides[2]); // our B is K×N → cuBLAS A
    const B = colMajorView(g.m, g.k, g.a.strides[1], g.a.strides[2]); // our A is M×K → cuBLAS B
    if (!A) return `b needs a unit stride in K or N (strides ${g.b.strides})`;
    if (!B) return `a needs a unit stride in M or K (strides ${g.a.strides})`;
    if (fp8 && (A.op !== CUBLAS_OP_T || B.op !== CUBLAS_OP_N))
      return 'FP8 through cuBLASLt needs K-contiguous a and column-major b (TN layout)';
    if (g.c && g.c.strides[2] !== 1 && g.n > 1) return `c must be N-contiguous (strides ${g.c.strides})`;
    return this.#plan(g, A, B, fp8) ?? 'cuBLASLt has no algorithm for this dtype/shape/alignment combination';
  }

  #plan(
    g: LtGemmArgs,
    A: NonNullable<ReturnType<typeof colMajorView>>,
    B: NonNullable<ReturnType<typeof colMajorView>>,
    fp8: boolean,
  ): Plan | null {
    const lt = this.#lt;
    const desc = lt.matmulDescCreate(CUBLAS_COMPUTE_32F, CudaDataType.f32);
    const layouts: LtLayout[] = [];
    const layout = (dtype: LtDataType, rows: number, cols: number, ld: number, batchStride: number) => {
      const l = lt.layoutCreate(dtype, rows, cols, ld);
      layouts.push(l);
      if (g.batch > 1) {
        lt.layoutSet(l, LayoutAttr.batchCount, g.batch, 'i32');
        lt.layoutSet(l, LayoutAttr.stridedBatchOffset, batchStride, 'i64');
      }
      return l;
    };
    try {
      lt.matmulDescSet(desc, MatmulDescAttr.transA, A.op);
      lt.matmulDescSet(desc, MatmulDescAttr.transB, B.op);
      if (fp8) {
        lt.matmulDescSet(desc, MatmulDescAttr.aScalePointer, g.bScale ?? 0n, 'u64');
        lt.matmulDescSet(desc, MatmulDescAttr.bScalePointer, g.aScale ?? 0n, 'u64');
      }
      const aL = layout(g.b.dtype, A.rows, A.cols, A.ld, g.b.strides[0]);
      const bL = layout(g.a.dtype, B.rows, B.cols, B.ld, g.a.strides[0]);
      const dL = layout(g.out.dtype, g.n, g.m, Math.max(g.n, 1), g.m * g.n);
      const cL = g.c ? layout(g.c.dtype, g.n, g.m, Math.max(g.c.strides[1], g.n, 1), g.c.strides[0]) : dL;
      const algos = lt.heuristic(this.#handle, desc, aL, bL, cL, dL, this.#pref, 1);
      if (algos.length === 0) {
        for (const l of layouts) lt.layoutDestroy(l);
        lt.matmulDescDestroy(desc);
        return null;
      }
      const algoMem = new NativeBuffer(algos[0].algo.byteLength, 8);
      algoMem.bytes.set(algos[0].algo);
      const scalars = this.#scalars.address;
      const raw: LtMatmulRaw = {
        handle: ffiU64(this.#handle),
        desc: ffiU64(desc),
        alpha: ffiU64(scalars),
        beta: ffiU64(scalars + 4n),
        algo: algoMem.ffiAddress,
        aLayout: ffiU64(aL),
        bLayout: ffiU64(bL),
        cLayout: ffiU64(cL),
        dLayout: ffiU64(dL),
        workspace: ffiU64(this.#workspace),
        workspaceBytes: this.#workspaceBytes,
      };
      return {
        desc,
        layouts,
        aL,
        bL,
        cL,
        dL,
        algo: algos[0],
        fp8,
        raw,
        algoMem,
        aScaleSet: fp8 ? (g.bScale ?? 0n) : 0n,
        bScaleSet: fp8 ? (g.aScale ?? 0n) : 0n,
      };
    } catch (e) {
      for (const l of layouts) lt.layoutDestroy(l);
      lt.matmulDescDestroy(desc);
      throw e;
    }
  }

  dispose(): void {
    for (const p of this.#plans.values()) {
      if (typeof p === 'string') continue;
      p.algoMem.free();
      for (const l of p.layouts) this.#lt.layoutDestroy(l);
      this.#lt.matmulDescDestroy(p.desc);
    }
    this.#plans.clear();
    this.#scalars.free();
    this.#lt.preferenceDestroy(this.#pref);
    this.#lt.destroy(this.#handle);
  }
}
