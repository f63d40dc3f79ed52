import { CUBLAS_STATUS_NAMES, libraryError } from './errors.js';
import type { KoffiFn, KoffiLib } from './koffi.js';
import { bindFirst, isLoaded, loadLibrary } from './library.js';
import type { CuStream, DevicePtr, FfiU64, LtHandle, LtLayout, LtMatmulDesc, LtPreference } from './types.js';

/** cudaDataType_t values (library_types.h). */
export const CudaDataType = { f32: 0, f16: 2, bf16: 14, e4m3: 28, e5m2: 29 } as const;
export type LtDataType = keyof typeof CudaDataType;
export const CUBLAS_COMPUTE_32F = 68;
export const CUBLAS_OP_N = 0;
export const CUBLAS_OP_T = 1;

/** cublasLtMatmulDescAttributes_t (cublasLt.h). */
export const MatmulDescAttr = {
  computeType: 0,
  scaleType: 1,
  pointerMode: 2,
  transA: 3,
  transB: 4,
  epilogue: 7,
  aScalePointer: 17,
  bScalePointer: 18,
  cScalePointer: 19,
  dScalePointer: 20,
  fastAccum: 25,
} as const;

/** cublasLtMatrixLayoutAttribute_t. */
export const LayoutAttr = {
  type: 0,
  order: 1,
  rows: 2,
  cols: 3,
  ld: 4,
  batchCount: 5,
  stridedBatchOffset: 6,
} as const;
/** cublasLtMatmulPreferenceAttributes_t. */
export const PrefAttr = { searchMode: 0, maxWorkspaceBytes: 1 } as const;

/** cublasLtMatmulHeuristicResult_t: algo (8×u64), workspaceSize, state, wavesCount, reserved[4]. */
export const HEURISTIC_RESULT_BYTES = 96;
export const ALGO_BYTES = 64;

export interface Heuristic {
  /** The 64-byte cublasLtMatmulAlgo_t to pass back to matmul. */
  algo: Buffer;
  workspaceSize: number;
  wavesCount: number;
}

/**
 * cuBLASLt bindings (libcublasLt.so[.N]): handle, matmul descriptors, matrix layouts, preferences, heuristic
 * and matmul. Every cublasStatus_t is checked (E_OOM for ALLOC_FAILED, else E_DEVICE naming the status).
 */
export class CublasLt {
  readonly libraryPath: string;
  readonly #f: Record<string, KoffiFn>;
  readonly #out = Buffer.alloc(8);
  readonly #alpha = Buffer.alloc(4);
  readonly #beta = Buffer.alloc(4);
  /** The per-call entry points, called directly. */
  readonly #matmul: KoffiFn;
  readonly #matmulRaw: KoffiFn;

  private constructor(lib: KoffiLib, path: string) {
    this.libraryPath = path;
    const b = (name: string, sig: string) => bindFirst(lib, [name], sig);
    this.#f = {
      cublasLtGetVersion: b('cublasLtGetVersion', 'size_t %()'),
      cublasLtCreate: b('cublasLtCreate', 'int %(void *out)'),
      cublasLtDestroy: b('cublasLtDestroy', 'int %(uint64_t h)'),
      cublasLtMatmulDescCreate: b('cublasLtMatmulDescCreate', 'int %(void *out, int compute, int scaleType)'),
      cublasLtMatmulDescDestroy: b('cublasLtMatmulDescDestroy', 'int %(uint64_t d)'),
      cublasLtMatmulDescSetAttribute: b(
        'cublasLtMatmulDescSetAttribute',
        'int %(uint64_t d, int attr, void *buf, size_t size)',
      ),
      cublasLtMatrixLayoutCreate: b(
        'cublasLtMatrixLayoutCreate',
        'int %(void *out, int type, uint64_t rows, uint64_t cols, int64_t ld)',
      ),
      cublasLtMatrixLayoutDestroy: b('cublasLtMatrixLayoutDestroy', 'int %(uint64_t l)'),
      cublasLtMatrixLayoutSetAttribute: b(
        'cublasLtMatrixLayoutSetAttribute',
        'int %(uint64_t l, int attr, void *buf, size_t size)',
      ),
      cublasLtMatmulPreferenceCreate: b('cublasLtMatmulPreferenceCreate', 'int %(void *out)'),
      cublasLtMatmulPreferenceDestroy: b('cublasLtMatmulPreferenceDestroy', 'int %(uint64_t p)'),
      cublasLtMatmulPreferenceSetAttribute: b(
        'cublasLtMatmulPreferenceSetAttribute',
        'int %(uint64_t p, int attr, void *buf, size_t size)',
      ),
      cublasLtMatmulAlgoGetHeuristic: b(
        'cublasLtMatmulAlgoGetHeuristic',
        'int %(uint64_t h, uint64_t desc, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t pref, int requested, void *results, void *count)',
      ),
      cublasLtMatmul: b(
        'cublasLtMatmul',
        'int %(uint64_t h, uint64_t desc, void *alpha, uint64_t A, uint64_t Adesc, uint64_t B, uint64_t Bdesc, void *beta, uint64_t C, uint64_t Cdesc, uint64_t D, uint64_t Ddesc, void *algo, uint64_t ws, size_t wsSize, uint64_t stream)',
      ),
    };
    this.#matmul = this.#f.cublasLtMatmul;
    // The same entry point with every pointer as an integer: for callers that keep alpha/beta/algo in native
    // memory and pass handles as numbers (the per-call path of LtGemm).
    this.#matmulRaw = b(
      'cublasLtMatmul',
      'int %(uint64_t h, uint64_t desc, uint64_t alpha, uint64_t A, uint64_t Adesc, uint64_t B, uint64_t Bdesc, uint64_t beta, uint64_t C, uint64_t Cdesc, uint64_t D, uint64_t Ddesc, uint64_t algo, uint64_t ws, size_t wsSize, uint64_t stream)',
    );
  }

  static tryLoad(env: NodeJS.ProcessEnv = process.env): CublasLt | { reason: string } {
    let r: ReturnType<typeof loadLibrary>;
    try {
      r = loadLibrary(
        ['libcublasLt.so', 'libcublasLt.so.13', 'libcublasLt.so.12', 'libcublasLt.so.11'],
        'libcublasLt',
        env,
        'GEMMKIT_CUBLASLT',
      );
    } catch (e) {
      return { reason: (e as Error).message };
    }
    if (!isLoaded(r)) return { reason: `libcublasLt not found (tried ${r.tried.length} names/paths)` };
    try {
      return new CublasLt(r.lib, r.path);
    } catch (e) {
      return { reason: `libcublasLt at ${r.path} lacks a symbol: ${(e as Error).message}` };
    }
  }

  check(call: string, status: number): void {
    if (status === 0) return;
    const name = CUBLAS_STATUS_NAMES[status] ?? `cublasStatus ${status}`;
    throw libraryError(call, status, name, undefined, 'E_DEVICE', status === 3);
  }

  #call(name: string, ...args: unknown[]): void {
    this.check(name, this.#f[name](...args) as number);
  }

  #create(name: string, ...rest: unknown[]): bigint {
    this.#out.fill(0);
    this.#call(name, this.#out, ...rest);
    return this.#out.readBigUInt64LE(0);
  }

  version(): number {
    return Number(this.#f.cublasLtGetVersion());
  }
  create(): LtHandle {
    return this.#create('cublasLtCreate') as LtHandle;
  }
  destroy(h: LtHandle): void {
    this.#call('cublasLtDestroy', h);
  }
  matmulDescCreate(computeType: number, scaleType: number): LtMatmulDesc {
    return this.#create('cublasLtMatmulDescCreate', computeType, scaleType) as LtMatmulDesc;
  }
  matmulDescDestroy(d: LtMatmulDesc): void {
    this.#call('cublasLtMatmulDescDestroy', d);
  }
  /** Set an i32 / u64 / pointer attribute (`kind` picks the C type the attribute has). */
  matmulDescSet(d: LtMatmulDesc, attr: number, value: number | bigint, kind: 'i32' | 'u64' = 'i32'): void {
    const buf = encodeAttr(value, kind);
    this.#call('cublasLtMatmulDescSetAttribute', d, attr, buf, buf.length);
  }
  layoutCreate(type: LtDataType, rows: number, cols: number, ld: number): LtLayout {
    return this.#create('cublasLtMatrixLayoutCreate', CudaDataType[type], rows, cols, ld) as LtLayout;
  }
  layoutDestroy(l: LtLayout): void {
    this.#call('cublasLtMatrixLayoutDestroy', l);
  }
  layoutSet(l: LtLayout, attr: number, value: number | bigint, kind: 'i32' | 'i64' = 'i32'): void {
    const buf = encodeAttr(value, kind);
    this.#call('cublasLtMatrixLayoutSetAttribute', l, attr, buf, buf.length);
  }
  preferenceCreate(): LtPreference {
    return this.#create('cublasLtMatmulPreferenceCreate') as LtPreference;
  }
  preferenceDestroy(p: LtPreference): void {
    this.#call('cublasLtMatmulPreferenceDestroy', p);
  }
  preferenceSetWorkspace(p: LtPreference, bytes: number): void {
    const buf = encodeAttr(bytes, 'u64');
    this.#call('cublasLtMatmulPreferenceSetAttribute', p, PrefAttr.maxWorkspaceBytes, buf, buf.length);
  }
  /** Up to `requested` algorithms, best first (empty when the combination is unsupported). */
  heuristic(
    h: LtHandle,
    desc: LtMatmulDesc,
    a: LtLayout,
    b: LtLayout,
    c: LtLayout,
    d: LtLayout,
    pref: LtPreference,
    requested = 1,
  ): Heuristic[] {
    const results = Buffer.alloc(HEURISTIC_RESULT_BYTES * requested);
    const count = Buffer.alloc(4);
    const st = this.#f.cublasLtMatmulAlgoGetHeuristic(
      h,
      desc,
      a,
      b,
      c,
      d,
      pref,
      requested,
      results,
      count,
    ) as number;
    // NOT_SUPPORTED here means "no algorithm", which callers report as E_UNSUPPORTED.
    if (st === 15) return [];
    this.check('cublasLtMatmulAlgoGetHeuristic', st);
    const n = count.readInt32LE(0);
    const out: Heuristic[] = [];
    for (let i = 0; i < n; i++) {
      const o = i * HEURISTIC_RESULT_BYTES;
      if (results.readInt32LE(o + 72) !== 0) continue;
      out.push({
        algo: Buffer.from(results.subarray(o, o + ALGO_BYTES)),
        workspaceSize: Number(results.readBigUInt64LE(o + 64)),
        wavesCount: results.readFloatLE(o + 76),
      });
    }
    return out;
  }
  /** D = alpha·op(A)·op(B) + beta·C, enqueued on `stream`; alpha/beta are host f32 values. */
  matmul(
    h: LtHandle,
    desc: LtMatmulDesc,
    alpha: number,
    A: DevicePtr,
    Adesc: LtLayout,
    B: DevicePtr,
    Bdesc: LtLayout,
    beta: number,
    C: DevicePtr,
    Cdesc: LtLayout,
    D: DevicePtr,
    Ddesc: LtLayout,
    algo: Buffer,
    workspace: DevicePtr,
    workspaceBytes: number,
    stream: CuStream,
  ): void {
    // Host scalars are read during the call: two buffers reused across calls.
    const al = this.#alpha;
    const be = this.#beta;
    al.writeFloatLE(alpha, 0);
    be.writeFloatLE(beta, 0);
    const st = this.#matmul(
      h,
      desc,
      al,
      A,
      Adesc,
      B,
      Bdesc,
      be,
      C,
      Cdesc,
      D,
      Ddesc,
      algo,
      workspace,
      workspaceBytes,
      stream,
    ) as number;
    if (st !== 0) this.check('cublasLtMatmul', st);
  }
  /**
   * matmul with everything already in native memory: `r` holds the fixed handles and addresses of a plan,
   * the operands are device addresses (numbers where exact: see ffiU64). No allocation, no Buffer marshalling.
   */
  matmulRaw(r: LtMatmulRaw, A: FfiU64, B: FfiU64, C: FfiU64, D: FfiU64, stream: FfiU64): void {
    const st = this.#matmulRaw(
      r.handle,
      r.desc,
      r.alpha,
      A,
      r.aLayout,
      B,
      r.bLayout,
      r.beta,
      C,
      r.cLayout,
      D,
      r.dLayout,
      r.algo,
      r.workspace,
      r.workspaceBytes,
      stream,
    ) as number;
    if (st !== 0) this.check('cublasLtMatmul', st);
  }
}

/** Addresses / handles of one `matmulRaw` call, each as ffiU64 gives it. */
export interface LtMatmulRaw {
  handle: FfiU64;
  desc: FfiU64;
  /** Host addresses of the f32 alpha and beta. */
  alpha: FfiU64;
  beta: FfiU64;
  /** Host address of the 64-byte cublasLtMatmulAlgo_t. */
  algo: FfiU64;
  aLayout: FfiU64;
  bLayout: FfiU64;
  cLayout: FfiU64;
  dLayout: FfiU64;
  workspace: FfiU64;
  workspaceBytes: number;
}

function encodeAttr(value: number | bigint, kind: 'i32' | 'u64' | 'i64'): Buffer {
  if (kind === 'i32') {
    const b = Buffer.alloc(4);
    b.writeInt32LE(Number(value), 0);
    return b;
  }
  const b = Buffer.alloc(8);
  if (kind === 'u64') b.writeBigUInt64LE(BigInt(value), 0);
  else b.writeBigInt64LE(BigInt(value), 0);
  return b;
}
