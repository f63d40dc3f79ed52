import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dtypeBytes, fail, GemmkitError, type Tensor } from '@gemmkit/core';
import { CublasLt } from '../bindings/cublaslt.js';
import { CU_EVENT_DEFAULT, CudaDriver } from '../bindings/driver.js';
import {
  type CuContext,
  type CuEvent,
  type CuModule,
  type CuStream,
  type DevicePtr,
  type FfiU64,
  ffiU64,
} from '../bindings/types.js';
import { CachingAllocator } from './allocator.js';
import { ArgPacker } from './args.js';
import { LtGemm } from './blas.js';
import { type CompileResult, type CompilerMode, JitCompiler } from './compiler.js';
import { type DeviceInfo, queryDevice } from './device.js';
import { DiskCache, defaultCacheDir } from './disk-cache.js';
import { CudaKernel, type KernelHost, type KernelSpec } from './launch.js';
import { RecentSpecs } from './recent-specs.js';
import { KeyScratch, ShapeKeyMap } from './shape-key.js';
import { kernelsRoot } from './sources.js';
import { PinnedStaging } from './staging.js';
import { parseStatusHeader, StatusWord } from './status.js';
import { CudaStorage, type StorageOwner } from './storage.js';
import { type CudaSwitches, readSwitches } from './switches.js';
import { type TensorMap, TensorMapCache, type TensorMapOptions } from './tensor-map.js';

export interface CudaOptions {
  /** Device ordinal (default: env GEMMKIT_CUDA_DEVICE or 0). */
  device?: number;
  /** JIT cache directory (default: env GEMMKIT_CACHE_DIR or ~/.cache/gemmkit/cuda); `false` disables it. */
  cacheDir?: string | false;
  /** 'auto' (NVRTC if found, else nvcc), or force one. */
  compiler?: CompilerMode;
  /** Bytes per pinned staging slot (default 16 MiB). */
  stagingBytes?: number;
  /** cuBLASLt workspace (default 32 MiB). */
  blasWorkspaceBytes?: number;
  /**
   * Problems of at most this many multiply-adds skip cuBLASLt for gemmkit's own kernels (default
   * DEFAULT_BLAS_MIN_MACS; 0 sends every problem cuBLASLt can take to it).
   */
  blasMinMacs?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * Default `blasMinMacs`: at this size a GEMM call is bound by host time, and cuBLASLt's is the larger one —
 * cublasLtMatmul alone took 9.0 µs of host time per call on the 2026-12-06 H100 host (launch-overhead.mjs
 * --real, cached plan), a kernel launch through the driver 4.5 µs — while either kernel's device time at 128³
 * is a few µs of launch latency and one tile.
 */
export const DEFAULT_BLAS_MIN_MACS = 128 * 128 * 128;

/** JIT statistics, for the cold/warm measurements and tests. */
export interface JitStats {
  compiled: number;
  diskHits: number;
  memoryHits: number;
  compileMs: number;
  last?: Pick<CompileResult, 'key' | 'source' | 'compiler' | 'ms'>;
}

/**
 * One CUDA device as gemmkit uses it: primary context, one non-blocking stream, caching allocator, pinned
 * staging, device status word, JIT (+ disk and module caches), cuBLASLt. All work is ordered on `stream`.
 */
export class CudaRuntime implements KernelHost, StorageOwner {
  readonly driver: CudaDriver;
  readonly device: DeviceInfo;
  readonly context: CuContext;
  readonly stream: CuStream;
  readonly ffiStream: FfiU64;
  readonly allocator: CachingAllocator;
  readonly packer = new ArgPacker();
  readonly status: StatusWord;
  readonly compiler: JitCompiler;
  readonly jitStats: JitStats = { compiled: 0, diskHits: 0, memoryHits: 0, compileMs: 0 };
  readonly #staging: PinnedStaging;
  readonly #options: CudaOptions;
  readonly #modules = new Map<string, CuModule>();
  /** Loaded kernels by spec (file/source, name, arch, defines, options) through a numeric key. */
  readonly #kernels = new ShapeKeyMap<CudaKernel>();
  readonly #kernelKey = new KeyScratch();
  /** The last few specs asked for, checked before building a key (see recent-specs.ts). */
  readonly #recentKernels = new RecentSpecs<CudaKernel>();
  readonly #tensorMaps = new TensorMapCache();
  #blas: LtGemm | null = null;
  #blasUnavailable: string | null = null;
  #blasWorkspace: CudaStorage | null = null;
  #disposed = false;

  /** Problems up to this many multiply-adds run on gemmkit's kernels, not cuBLASLt (CudaOptions.blasMinMacs). */
  readonly blasMinMacs: number;
  /** GEMMKIT_CUDA_SM90 and the other kernel switches, read from the environment at creation. */
  readonly switches: CudaSwitches;

  private constructor(driver: CudaDriver, device: DeviceInfo, options: CudaOptions) {
    this.driver = driver;
    this.device = device;
    this.#options = options;
    this.blasMinMacs = options.blasMinMacs ?? DEFAULT_BLAS_MIN_MACS;
    this.switches = readSwitches(options.env ?? process.env);
    this.context = driver.primaryCtxRetain(device.handle);
    try {
      driver.ctxSetCurrent(this.context);
      currentContext = this.context;
      this.stream = driver.streamCreate();
      this.ffiStream = ffiU64(this.stream);
      this.allocator = new CachingAllocator(driver, () => driver.streamSynchronize(this.stream));
      this.#staging = new PinnedStaging(driver, this.stream, options.stagingBytes ?? 16 << 20);
      const block = this.allocator.allocate(256);
      driver.memsetD32Async(block.ptr, 0, 64, this.stream);
      this.status = new StatusWord(
        block.ptr,
        {
          read: (p, n) => this.#staging.download(p, n),
          zero: (p, words) => driver.memsetD32Async(p, 0, words, this.stream),
        },
        loadStatusFlags(options.env ?? process.env),
      );
      const cacheDir = options.cacheDir === undefined ? defaultCacheDir(options.env) : options.cacheDir;
      this.compiler = new JitCompiler(
        options.compiler ?? 'auto',
        cacheDir === false ? null : new DiskCache(cacheDir),
        options.env,
      );
      driver.streamSynchronize(this.stream);
    } catch (e) {
      driver.primaryCtxRelease(device.handle);
      throw e;
    }
  }

  /** Load the driver, pick the device, retain its primary context. Throws E_DEVICE with the reason. */
  static create(options: CudaOptions = {}): CudaRuntime {
    const env = options.env ?? process.env;
    const driver = CudaDriver.load(env);
    try {
      driver.init();
    } catch (e) {
      throw new GemmkitError('E_DEVICE', `cuInit failed: ${(e as Error).message}`, {
        arg: 'cuInit',
        cause: e,
      });
    }
    const count = driver.deviceCount();
    if (count === 0)
      fail('E_DEVICE', 'no CUDA device found', { arg: 'device', expected: '>= 1 device', actual: 0 });
    const ordinal = options.device ?? Number(env.GEMMKIT_CUDA_DEVICE ?? 0);
    if (!Number.isInteger(ordinal) || ordinal < 0 || ordinal >= count)
      fail('E_DEVICE', 'CUDA device ordinal out of range', {
        arg: 'device',
        expected: `[0, ${count})`,
        actual: ordinal,
      });
    const device = queryDevice(driver, ordinal);
    try {
      return new CudaRuntime(driver, device, options);
    } catch (e) {
      // A kernel fault leaves the primary context broken for the rest of the process ("sticky" errors): a new
      // runtime fails at its first call. That context holds nothing usable any more, so reset it once and retry.
      if (!isStickyError(e)) throw e;
      driver.primaryCtxReset(device.handle);
      return new CudaRuntime(driver, device, options);
    }
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  get maxSharedOptin(): number {
    return this.device.maxSharedOptin;
  }

  /** Throws once disposed; makes this runtime's context current (several devices in one process). */
  #live(): void {
    if (this.#disposed) fail('E_DISPOSED', 'CUDA runtime was disposed', { arg: 'runtime' });
    this.activate();
  }

  /** Make the primary context current on this thread if another runtime's context is. */
  activate(): void {
    if (this.#disposed) fail('E_DISPOSED', 'CUDA runtime was disposed', { arg: 'runtime' });
    if (currentContext !== this.context) {
      this.driver.ctxSetCurrent(this.context);
      currentContext = this.context;
    }
  }

  /** Device memory from the caching allocator (uninitialized). */
  alloc(bytes: number): CudaStorage {
    this.#live();
    if (bytes === 0) return new CudaStorage(this, null, 0);
    return new CudaStorage(this, this.allocator.allocate(bytes), bytes);
  }

  release(block: { ptr: DevicePtr; size: number }): void {
    if (!this.#disposed) this.allocator.free(block);
  }

  /** Enqueue a host → device copy through pinned staging (the source may be reused immediately). */
  upload(dst: DevicePtr, src: Uint8Array): void {
    this.#live();
    this.#staging.upload(dst, src);
  }

  /** Wait for queued work, surface the device status, copy device bytes to the host. */
  async readBack(ptr: DevicePtr, bytes: number): Promise<Uint8Array> {
    this.#live();
    const out = this.#staging.download(ptr, bytes);
    this.status.check();
    return out;
  }

  readBackSync(ptr: DevicePtr, bytes: number): Uint8Array {
    this.#live();
    return this.#staging.download(ptr, bytes);
  }

  copy(dst: DevicePtr, src: DevicePtr, bytes: number): void {
    this.#live();
    this.driver.memcpyDtoDAsync(dst, src, bytes, this.stream);
  }

  /** Enqueue a byte fill (e.g. NaN-poisoning in tests: 0xff for every float type). */
  fill(dst: DevicePtr, byte: number, bytes: number): void {
    this.#live();
    this.driver.memsetD8Async(dst, byte & 0xff, bytes, this.stream);
  }

  /** Address of element 0 of a tensor on this runtime (E_DEVICE if it lives elsewhere). */
  readonly tensorAddress = (t: Tensor, arg = 'tensor'): DevicePtr => {
    const s = t.storage;
    if (!(s instanceof CudaStorage) || s.owner !== this)
      fail('E_DEVICE', 'tensor is not on this CUDA device', { arg, expected: 'cuda', actual: t.device });
    if (s.disposed) fail('E_DISPOSED', 'tensor storage was disposed', { arg });
    const off = t.offset;
    return off === 0 ? s.ptr : ((s.ptr + BigInt(off * dtypeBytes(t.dtype))) as DevicePtr);
  };

  /** Compile (NVRTC/nvcc, disk-cached) and load a kernel; cached per spec for the life of the runtime. */
  getKernel(spec: KernelSpec): CudaKernel {
    this.#live();
    const arch = spec?.arch ?? this.device.arch;
    const named = !!spec && typeof spec.name === 'string';
    const recent = named ? this.#recentKernels.get(spec, arch) : undefined;
    if (recent) {
      this.jitStats.memoryHits++;
      return recent;
    }
    const key = named ? this.#specKey(spec, arch) : null;
    const known = key ? this.#kernels.get(key) : undefined;
    if (known) {
      this.jitStats.memoryHits++;
      this.#recentKernels.set(spec, arch, known);
      return known;
    }
    if (!spec || typeof spec.name !== 'string' || !/^[A-Za-z_]\w*$/.test(spec.name))
      fail('E_COMPILE', 'kernel name must be a C identifier', { arg: 'getKernel.name', actual: spec?.name });
    const r = this.compiler.compile(spec, arch);
    if (r.source === 'disk') this.jitStats.diskHits++;
    else {
      this.jitStats.compiled++;
      this.jitStats.compileMs += r.ms;
    }
    this.jitStats.last = { key: r.key, source: r.source, compiler: r.compiler, ms: r.ms };
    let mod = this.#modules.get(r.key);
    if (!mod) {
      try {
        mod = this.driver.moduleLoadData(r.cubin);
      } catch (e) {
        // A cached image the driver rejects (e.g. truncated in a way the digest could not see) is dropped.
        if (r.source === 'disk') this.compiler.cache?.remove(r.key);
        throw e;
      }
      this.#modules.set(r.key, mod);
    }
    let fn: ReturnType<CudaDriver['moduleGetFunction']>;
    try {
      fn = this.driver.moduleGetFunction(mod, spec.name);
    } catch (e) {
      throw new GemmkitError(
        'E_COMPILE',
        `kernel '${spec.name}' not found in ${spec.file ?? 'inline source'} (is it extern "C"?)`,
        {
          arg: 'getKernel.name',
          expected: 'an extern "C" __global__ function',
          actual: spec.name,
          cause: e,
        },
      );
    }
    const k = new CudaKernel(this, mod, fn, spec.name);
    if (key) this.#kernels.set(this.#specKey(spec, arch), k);
    this.#recentKernels.set(spec, arch, k);
    return k;
  }

  /** The numeric key of a kernel spec: file, source, name, arch, then (name, type, value) per define and the options. */
  #specKey(spec: KernelSpec, arch: string): KeyScratch {
    const k = this.#kernelKey.reset().str(spec.file).str(spec.source).str(spec.name).str(arch);
    const d = spec.defines;
    if (d)
      for (const name in d) {
        const v = d[name];
        k.str(name);
        if (typeof v === 'number') k.num(0).num(v);
        else if (typeof v === 'string') k.num(1).str(v);
        else k.num(2).num(v ? 1 : 0);
      }
    k.num(-2);
    const o = spec.options;
    if (o) for (let i = 0; i < o.length; i++) k.str(o[i]);
    return k;
  }

  /** A CUtensorMap for TMA (see tensor-map.ts for the options). */
  tensorMap(opts: TensorMapOptions): TensorMap {
    this.#live();
    return this.#tensorMaps.get(this.driver, opts, this.#tensorMapAddress);
  }

  /** cuTensorMapEncodeTiled calls so far (the rest were served from the tensor-map cache). */
  get tensorMapEncodes(): number {
    return this.#tensorMaps.encodes;
  }

  readonly #tensorMapAddress = (t: Tensor): DevicePtr => this.tensorAddress(t, 'tensorMap.tensor');

  /** cuBLASLt GEMM (created on first use); throws E_UNSUPPORTED when libcublasLt is missing. */
  get blas(): LtGemm {
    this.#live();
    if (this.#blas) return this.#blas;
    if (this.#blasUnavailable) fail('E_UNSUPPORTED', this.#blasUnavailable, { arg: 'cublasLt' });
    const lt = CublasLt.tryLoad(this.#options.env);
    if (!(lt instanceof CublasLt)) {
      this.#blasUnavailable = `cuBLASLt unavailable: ${lt.reason}`;
      return fail('E_UNSUPPORTED', this.#blasUnavailable, { arg: 'cublasLt' });
    }
    const ws = this.#options.blasWorkspaceBytes ?? 32 << 20;
    this.#blasWorkspace = this.alloc(ws);
    this.#blas = new LtGemm(lt, this.#blasWorkspace.ptr, ws);
    return this.#blas;
  }

  /** A CUDA event (timing enabled unless `timing` is false). */
  createEvent(timing = true): CuEvent {
    this.#live();
    return this.driver.eventCreate(timing ? CU_EVENT_DEFAULT : 2);
  }

  record(e: CuEvent): void {
    this.#live();
    this.driver.eventRecord(e, this.stream);
  }

  /** Milliseconds between two events recorded on the stream (waits for `end`). */
  elapsedMs(start: CuEvent, end: CuEvent): number {
    this.#live();
    this.driver.eventSynchronize(end);
    return this.driver.eventElapsedMs(start, end);
  }

  destroyEvent(e: CuEvent): void {
    this.#live();
    this.driver.eventDestroy(e);
  }

  /** Wait for all queued work; throws the device status error (bad index data) if a kernel raised one. */
  async sync(): Promise<void> {
    this.#live();
    this.driver.streamSynchronize(this.stream);
    this.status.check();
  }

  /** Synchronize, free every module, cached block and staging buffer, release the primary context. */
  dispose(): void {
    if (this.#disposed) return;
    this.activate();
    const errors: unknown[] = [];
    const attempt = (f: () => void) => {
      try {
        f();
      } catch (e) {
        errors.push(e);
      }
    };
    attempt(() => this.driver.streamSynchronize(this.stream));
    attempt(() => this.#blas?.dispose());
    for (const k of this.#kernels.values()) k.dispose();
    for (const m of this.#modules.values()) attempt(() => this.driver.moduleUnload(m));
    this.#kernels.clear();
    this.#recentKernels.clear();
    this.#tensorMaps.clear();
    this.#modules.clear();
    this.#blasWorkspace?.dispose();
    // Blocks still held by live tensors are freed too: their storages report E_DISPOSED from now on.
    attempt(() => this.allocator.releaseAll());
    attempt(() => this.#staging.dispose());
    this.packer.dispose();
    attempt(() => this.driver.streamDestroy(this.stream));
    attempt(() => this.driver.primaryCtxRelease(this.device.handle));
    if (currentContext === this.context) currentContext = null;
    this.#disposed = true;
    if (errors.length) throw errors[0];
  }
}

/** The context last made current on this (the JS) thread by any runtime. */
let currentContext: CuContext | null = null;

/** Flag names from kernels/common/status.cuh when present. */
function loadStatusFlags(env: NodeJS.ProcessEnv) {
  const p = join(kernelsRoot(env), 'common', 'status.cuh');
  return existsSync(p) ? parseStatusHeader(readFileSync(p, 'utf8')) : [];
}

/** CUDA errors after which the context is unusable (a kernel faulted): only a primary-context reset recovers. */
const STICKY_ERRORS = new Set([
  'CUDA_ERROR_ILLEGAL_ADDRESS',
  'CUDA_ERROR_LAUNCH_FAILED',
  'CUDA_ERROR_HARDWARE_STACK_ERROR',
  'CUDA_ERROR_ILLEGAL_INSTRUCTION',
  'CUDA_ERROR_MISALIGNED_ADDRESS',
  'CUDA_ERROR_INVALID_ADDRESS_SPACE',
  'CUDA_ERROR_INVALID_PC',
  'CUDA_ERROR_ASSERT',
  'CUDA_ERROR_LAUNCH_TIMEOUT',
]);

function isStickyError(e: unknown): boolean {
  return e instanceof GemmkitError && typeof e.cause === 'string' && STICKY_ERRORS.has(e.cause);
}
