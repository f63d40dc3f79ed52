import { GemmkitError } from '@gemmkit/core';
import { CUDA_ERROR_NOT_READY, CUDA_ERROR_OUT_OF_MEMORY, CUDA_SUCCESS, libraryError } from './errors.js';
import { getKoffi, type KoffiFn, type KoffiLib } from './koffi.js';
import { bindFirst, isLoaded, loadLibrary } from './library.js';
import type {
  CuContext,
  CuDevice,
  CuEvent,
  CuFunction,
  CuModule,
  CuStream,
  DevicePtr,
  FfiU64,
  HostPtr,
} from './types.js';

/**
 * Typed bindings of the CUDA driver API (libcuda.so.1). Handles are passed as `uint64_t` (same register class
 * as a pointer on x86-64 SysV), out-parameters as Buffers. Every call is checked: a non-zero CUresult becomes
 * a GemmkitError (E_OOM for CUDA_ERROR_OUT_OF_MEMORY, else E_DEVICE) naming the call and the CUDA error.
 */

/** CUdevice_attribute values used by the runtime (cuda.h). */
export const DeviceAttr = {
  maxThreadsPerBlock: 1,
  clockRateKHz: 13,
  multiprocessorCount: 16,
  l2CacheSize: 38,
  computeCapabilityMajor: 75,
  computeCapabilityMinor: 76,
  maxSharedMemoryPerMultiprocessor: 81,
  maxSharedMemoryPerBlockOptin: 97,
  memoryPoolsSupported: 115,
  clusterLaunch: 120,
} as const;

/** CUfunction_attribute values (cuda.h). */
export const FuncAttr = {
  maxThreadsPerBlock: 0,
  sharedSizeBytes: 1,
  numRegs: 4,
  maxDynamicSharedSizeBytes: 8,
  nonPortableClusterSizeAllowed: 14,
} as const;

export const CU_STREAM_NON_BLOCKING = 1;
export const CU_EVENT_DEFAULT = 0;
export const CU_EVENT_DISABLE_TIMING = 2;
export const CU_MEMHOSTALLOC_PORTABLE = 1;
export const CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION = 4;

/** Byte layout of CUlaunchConfig (x86-64): 7×u32, pad, hStream@32, attrs@40, numAttrs@48; size 56. */
export const LAUNCH_CONFIG_BYTES = 56;
/** CUlaunchAttribute: id u32, pad to 8, value union of 64 bytes. */
export const LAUNCH_ATTRIBUTE_BYTES = 72;
/** CUtensorMap is an opaque 128-byte, 64-byte-aligned struct. */
export const TENSOR_MAP_BYTES = 128;

type Fns = Record<string, KoffiFn>;

export class CudaDriver {
  readonly libraryPath: string;
  readonly #f: Fns;
  readonly #u64 = Buffer.alloc(8);
  readonly #u64b = Buffer.alloc(8);
  readonly #i32 = Buffer.alloc(4);
  /** Hot entry points, called directly (no name lookup, no rest/spread arguments). */
  readonly #launch: KoffiFn;
  readonly #memsetD8: KoffiFn;
  readonly #memcpyDtoD: KoffiFn;
  readonly #encodeTiled: KoffiFn;

  private constructor(lib: KoffiLib, path: string) {
    this.libraryPath = path;
    const b = (names: string | string[], sig: string) =>
      bindFirst(lib, typeof names === 'string' ? [names] : names, sig);
    // `%` in a signature is replaced by the symbol name; versioned (_v2) names are tried first.
    this.#f = {
      cuInit: b('cuInit', 'int %(uint32_t flags)'),
      cuDriverGetVersion: b('cuDriverGetVersion', 'int %(void *out)'),
      cuGetErrorName: b('cuGetErrorName', 'int %(int err, _Out_ const char **str)'),
      cuGetErrorString: b('cuGetErrorString', 'int %(int err, _Out_ const char **str)'),
      cuDeviceGetCount: b('cuDeviceGetCount', 'int %(void *out)'),
      cuDeviceGet: b('cuDeviceGet', 'int %(void *out, int ordinal)'),
      cuDeviceGetName: b('cuDeviceGetName', 'int %(void *name, int len, int dev)'),
      cuDeviceGetAttribute: b('cuDeviceGetAttribute', 'int %(void *out, int attr, int dev)'),
      cuDeviceTotalMem: b(['cuDeviceTotalMem_v2', 'cuDeviceTotalMem'], 'int %(void *out, int dev)'),
      cuDevicePrimaryCtxRetain: b('cuDevicePrimaryCtxRetain', 'int %(void *out, int dev)'),
      cuDevicePrimaryCtxRelease: b(
        ['cuDevicePrimaryCtxRelease_v2', 'cuDevicePrimaryCtxRelease'],
        'int %(int dev)',
      ),
      cuDevicePrimaryCtxReset: b(['cuDevicePrimaryCtxReset_v2', 'cuDevicePrimaryCtxReset'], 'int %(int dev)'),
      cuCtxSetCurrent: b('cuCtxSetCurrent', 'int %(uint64_t ctx)'),
      cuCtxSynchronize: b('cuCtxSynchronize', 'int %()'),
      cuMemGetInfo: b(['cuMemGetInfo_v2', 'cuMemGetInfo'], 'int %(void *free, void *total)'),
      cuMemAlloc: b(['cuMemAlloc_v2', 'cuMemAlloc'], 'int %(void *out, size_t bytes)'),
      cuMemFree: b(['cuMemFree_v2', 'cuMemFree'], 'int %(uint64_t ptr)'),
      cuMemAllocAsync: b('cuMemAllocAsync', 'int %(void *out, size_t bytes, uint64_t stream)'),
      cuMemFreeAsync: b('cuMemFreeAsync', 'int %(uint64_t ptr, uint64_t stream)'),
      cuMemHostAlloc: b('cuMemHostAlloc', 'int %(_Out_ void **out, size_t bytes, uint32_t flags)'),
      cuMemFreeHost: b('cuMemFreeHost', 'int %(uint64_t ptr)'),
      cuMemcpyHtoDAsync: b(
        ['cuMemcpyHtoDAsync_v2', 'cuMemcpyHtoDAsync'],
        'int %(uint64_t dst, uint64_t src, size_t bytes, uint64_t stream)',
      ),
      cuMemcpyDtoHAsync: b(
        ['cuMemcpyDtoHAsync_v2', 'cuMemcpyDtoHAsync'],
        'int %(uint64_t dst, uint64_t src, size_t bytes, uint64_t stream)',
      ),
      cuMemcpyDtoD: b(['cuMemcpyDtoD_v2', 'cuMemcpyDtoD'], 'int %(uint64_t dst, uint64_t src, size_t bytes)'),
      cuMemcpyDtoDAsync: b(
        ['cuMemcpyDtoDAsync_v2', 'cuMemcpyDtoDAsync'],
        'int %(uint64_t dst, uint64_t src, size_t bytes, uint64_t stream)',
      ),
      cuMemsetD8Async: b('cuMemsetD8Async', 'int %(uint64_t dst, uint8_t value, size_t n, uint64_t stream)'),
      cuMemsetD32Async: b(
        'cuMemsetD32Async',
        'int %(uint64_t dst, uint32_t value, size_t n, uint64_t stream)',
      ),
      cuStreamCreate: b('cuStreamCreate', 'int %(void *out, uint32_t flags)'),
      cuStreamDestroy: b(['cuStreamDestroy_v2', 'cuStreamDestroy'], 'int %(uint64_t stream)'),
      cuStreamSynchronize: b('cuStreamSynchronize', 'int %(uint64_t stream)'),
      cuStreamQuery: b('cuStreamQuery', 'int %(uint64_t stream)'),
      cuStreamWaitEvent: b('cuStreamWaitEvent', 'int %(uint64_t stream, uint64_t event, uint32_t flags)'),
      cuEventCreate: b('cuEventCreate', 'int %(void *out, uint32_t flags)'),
      cuEventDestroy: b(['cuEventDestroy_v2', 'cuEventDestroy'], 'int %(uint64_t event)'),
      cuEventRecord: b('cuEventRecord', 'int %(uint64_t event, uint64_t stream)'),
      cuEventSynchronize: b('cuEventSynchronize', 'int %(uint64_t event)'),
      cuEventQuery: b('cuEventQuery', 'int %(uint64_t event)'),
      cuEventElapsedTime: b(
        ['cuEventElapsedTime_v2', 'cuEventElapsedTime'],
        'int %(void *ms, uint64_t start, uint64_t end)',
      ),
      cuModuleLoadData: b('cuModuleLoadData', 'int %(void *out, void *image)'),
      cuModuleGetFunction: b('cuModuleGetFunction', 'int %(void *out, uint64_t mod, const char *name)'),
      cuModuleUnload: b('cuModuleUnload', 'int %(uint64_t mod)'),
      cuFuncSetAttribute: b('cuFuncSetAttribute', 'int %(uint64_t fn, int attr, int value)'),
      cuFuncGetAttribute: b('cuFuncGetAttribute', 'int %(void *out, int attr, uint64_t fn)'),
      cuLaunchKernel: b(
        'cuLaunchKernel',
        'int %(uint64_t fn, uint32_t gx, uint32_t gy, uint32_t gz, uint32_t bx, uint32_t by, uint32_t bz, uint32_t smem, uint64_t stream, uint64_t params, uint64_t extra)',
      ),
      cuLaunchKernelEx: b(
        'cuLaunchKernelEx',
        'int %(uint64_t config, uint64_t fn, uint64_t params, uint64_t extra)',
      ),
      cuTensorMapEncodeTiled: b(
        'cuTensorMapEncodeTiled',
        'int %(void *map, int dtype, uint32_t rank, uint64_t addr, void *dims, void *strides, void *box, void *elemStrides, int interleave, int swizzle, int l2, int oob)',
      ),
    };
    this.#launch = this.#f.cuLaunchKernel;
    this.#memsetD8 = this.#f.cuMemsetD8Async;
    this.#memcpyDtoD = this.#f.cuMemcpyDtoDAsync;
    this.#encodeTiled = this.#f.cuTensorMapEncodeTiled;
  }

  /** dlopen libcuda and bind every symbol; throws E_DEVICE with what was tried. Does not call cuInit. */
  static load(env: NodeJS.ProcessEnv = process.env): CudaDriver {
    let loaded: ReturnType<typeof loadLibrary>;
    try {
      getKoffi();
      loaded = loadLibrary(['libcuda.so.1', 'libcuda.so'], 'libcuda', env, 'GEMMKIT_CUDA_DRIVER');
    } catch (e) {
      throw new GemmkitError('E_DEVICE', `koffi (FFI) could not be loaded: ${(e as Error).message}`, {
        arg: 'koffi',
        cause: e,
      });
    }
    if (!isLoaded(loaded))
      throw new GemmkitError('E_DEVICE', 'CUDA driver library libcuda.so.1 not found (no NVIDIA driver?)', {
        arg: 'libcuda',
        expected: 'libcuda.so.1 loadable',
        actual: loaded.errors[0] ?? 'not found',
      });
    try {
      return new CudaDriver(loaded.lib, loaded.path);
    } catch (e) {
      throw new GemmkitError(
        'E_DEVICE',
        `libcuda at ${loaded.path} lacks a needed symbol: ${(e as Error).message}`,
        {
          arg: 'libcuda',
          cause: e,
        },
      );
    }
  }

  /** Name and description of a CUresult (falls back to the number when the driver cannot say). */
  errorName(status: number): [string, string | undefined] {
    const name: [string | null] = [null];
    const desc: [string | null] = [null];
    try {
      this.#f.cuGetErrorName(status, name);
      this.#f.cuGetErrorString(status, desc);
    } catch {
      // fall through to the numeric name
    }
    return [name[0] ?? `CUresult ${status}`, desc[0] ?? undefined];
  }

  /** Throw unless `status` is CUDA_SUCCESS. */
  check(call: string, status: number): void {
    if (status === CUDA_SUCCESS) return;
    const [name, desc] = this.errorName(status);
    throw libraryError(call, status, name, desc, 'E_DEVICE', status === CUDA_ERROR_OUT_OF_MEMORY);
  }

  #call(name: string, ...args: unknown[]): void {
    this.check(name, this.#f[name](...args) as number);
  }

  #outU64(name: string, ...rest: unknown[]): bigint {
    this.#u64.fill(0);
    this.#call(name, this.#u64, ...rest);
    return this.#u64.readBigUInt64LE(0);
  }

  #outI32(name: string, ...rest: unknown[]): number {
    this.#call(name, this.#i32, ...rest);
    return this.#i32.readInt32LE(0);
  }

  init(): void {
    this.#call('cuInit', 0);
  }
  driverVersion(): number {
    return this.#outI32('cuDriverGetVersion');
  }
  deviceCount(): number {
    return this.#outI32('cuDeviceGetCount');
  }
  device(ordinal: number): CuDevice {
    return this.#outI32('cuDeviceGet', ordinal) as CuDevice;
  }
  deviceName(dev: CuDevice): string {
    const buf = Buffer.alloc(256);
    this.#call('cuDeviceGetName', buf, buf.length, dev);
    const end = buf.indexOf(0);
    return buf.toString('utf8', 0, end < 0 ? buf.length : end);
  }
  deviceAttribute(dev: CuDevice, attr: number): number {
    return this.#outI32('cuDeviceGetAttribute', attr, dev);
  }
  deviceTotalMem(dev: CuDevice): number {
    return Number(this.#outU64('cuDeviceTotalMem', dev));
  }
  primaryCtxRetain(dev: CuDevice): CuContext {
    return this.#outU64('cuDevicePrimaryCtxRetain', dev) as CuContext;
  }
  primaryCtxRelease(dev: CuDevice): void {
    this.#call('cuDevicePrimaryCtxRelease', dev);
  }
  /** Destroy the device's primary context (every allocation and module in it); the next retain makes a new one. */
  primaryCtxReset(dev: CuDevice): void {
    this.#call('cuDevicePrimaryCtxReset', dev);
  }
  ctxSetCurrent(ctx: CuContext): void {
    this.#call('cuCtxSetCurrent', ctx);
  }
  ctxSynchronize(): void {
    this.#call('cuCtxSynchronize');
  }
  memGetInfo(): { free: number; total: number } {
    this.#call('cuMemGetInfo', this.#u64, this.#u64b);
    return { free: Number(this.#u64.readBigUInt64LE(0)), total: Number(this.#u64b.readBigUInt64LE(0)) };
  }
  memAlloc(bytes: number): DevicePtr {
    return this.#outU64('cuMemAlloc', bytes) as DevicePtr;
  }
  memFree(ptr: DevicePtr): void {
    this.#call('cuMemFree', ptr);
  }
  memAllocAsync(bytes: number, stream: CuStream): DevicePtr {
    return this.#outU64('cuMemAllocAsync', bytes, stream) as DevicePtr;
  }
  memFreeAsync(ptr: DevicePtr, stream: CuStream): void {
    this.#call('cuMemFreeAsync', ptr, stream);
  }
  /** Page-locked host memory: its address (for async copies) and a JS view over it. */
  memHostAlloc(bytes: number, flags = CU_MEMHOSTALLOC_PORTABLE): { address: HostPtr; bytes: Uint8Array } {
    const out: [unknown] = [null];
    this.#call('cuMemHostAlloc', out, bytes, flags);
    const k = getKoffi();
    return { address: k.address(out[0]) as HostPtr, bytes: new Uint8Array(k.view(out[0], bytes)) };
  }
  memFreeHost(ptr: HostPtr): void {
    this.#call('cuMemFreeHost', ptr);
  }
  memcpyHtoDAsync(dst: DevicePtr, src: HostPtr, bytes: number, stream: CuStream): void {
    this.#call('cuMemcpyHtoDAsync', dst, src, bytes, stream);
  }
  memcpyDtoHAsync(dst: HostPtr, src: DevicePtr, bytes: number, stream: CuStream): void {
    this.#call('cuMemcpyDtoHAsync', dst, src, bytes, stream);
  }
  memcpyDtoD(dst: DevicePtr, src: DevicePtr, bytes: number): void {
    this.#call('cuMemcpyDtoD', dst, src, bytes);
  }
  memcpyDtoDAsync(dst: DevicePtr, src: DevicePtr, bytes: number, stream: CuStream): void {
    const st = this.#memcpyDtoD(dst, src, bytes, stream) as number;
    if (st !== CUDA_SUCCESS) this.check('cuMemcpyDtoDAsync', st);
  }
  memsetD8Async(dst: DevicePtr, value: number, count: number, stream: CuStream): void {
    const st = this.#memsetD8(dst, value, count, stream) as number;
    if (st !== CUDA_SUCCESS) this.check('cuMemsetD8Async', st);
  }
  memsetD32Async(dst: DevicePtr, value: number, count: number, stream: CuStream): void {
    this.#call('cuMemsetD32Async', dst, value >>> 0, count, stream);
  }
  streamCreate(flags = CU_STREAM_NON_BLOCKING): CuStream {
    return this.#outU64('cuStreamCreate', flags) as CuStream;
  }
  streamDestroy(s: CuStream): void {
    this.#call('cuStreamDestroy', s);
  }
  streamSynchronize(s: CuStream): void {
    this.#call('cuStreamSynchronize', s);
  }
  /** true when all work on the stream is done; throws on a sticky error. */
  streamQuery(s: CuStream): boolean {
    const st = this.#f.cuStreamQuery(s) as number;
    if (st === CUDA_ERROR_NOT_READY) return false;
    this.check('cuStreamQuery', st);
    return true;
  }
  streamWaitEvent(s: CuStream, e: CuEvent): void {
    this.#call('cuStreamWaitEvent', s, e, 0);
  }
  eventCreate(flags = CU_EVENT_DEFAULT): CuEvent {
    return this.#outU64('cuEventCreate', flags) as CuEvent;
  }
  eventDestroy(e: CuEvent): void {
    this.#call('cuEventDestroy', e);
  }
  eventRecord(e: CuEvent, s: CuStream): void {
    this.#call('cuEventRecord', e, s);
  }
  eventSynchronize(e: CuEvent): void {
    this.#call('cuEventSynchronize', e);
  }
  eventQuery(e: CuEvent): boolean {
    const st = this.#f.cuEventQuery(e) as number;
    if (st === CUDA_ERROR_NOT_READY) return false;
    this.check('cuEventQuery', st);
    return true;
  }
  /** Milliseconds between two recorded, completed events. */
  eventElapsedMs(start: CuEvent, end: CuEvent): number {
    const f = Buffer.alloc(4);
    this.#call('cuEventElapsedTime', f, start, end);
    return f.readFloatLE(0);
  }
  /** Load a cubin/fatbin/PTX image into the current context. */
  moduleLoadData(image: Uint8Array): CuModule {
    // PTX must be NUL-terminated; cubins are ELF with their own sizes, the extra byte is harmless.
    const buf = Buffer.alloc(image.byteLength + 1);
    buf.set(image);
    return this.#outU64('cuModuleLoadData', buf) as CuModule;
  }
  moduleGetFunction(mod: CuModule, name: string): CuFunction {
    return this.#outU64('cuModuleGetFunction', mod, name) as CuFunction;
  }
  moduleUnload(mod: CuModule): void {
    this.#call('cuModuleUnload', mod);
  }
  funcSetAttribute(fn: CuFunction, attr: number, value: number): void {
    this.#call('cuFuncSetAttribute', fn, attr, value);
  }
  funcGetAttribute(fn: CuFunction, attr: number): number {
    const out = Buffer.alloc(4);
    this.#call('cuFuncGetAttribute', out, attr, fn);
    return out.readInt32LE(0);
  }
  /** `params` is the address of a `void*[]` of argument addresses (see runtime/launch.ts). */
  launchKernel(
    fn: CuFunction,
    grid: readonly [number, number, number],
    block: readonly [number, number, number],
    sharedBytes: number,
    stream: CuStream,
    params: bigint,
  ): void {
    this.launch(fn, grid[0], grid[1], grid[2], block[0], block[1], block[2], sharedBytes, stream, params);
  }
  /**
   * cuLaunchKernel with the dimensions as plain numbers (the runtime's hot path); handles may be given in
   * their FFI form (ffiU64), which koffi converts fastest.
   */
  launch(
    fn: CuFunction | FfiU64,
    gx: number,
    gy: number,
    gz: number,
    bx: number,
    by: number,
    bz: number,
    sharedBytes: number,
    stream: CuStream | FfiU64,
    params: FfiU64,
  ): void {
    const st = this.#launch(fn, gx, gy, gz, bx, by, bz, sharedBytes, stream, params, 0) as number;
    if (st !== CUDA_SUCCESS) this.check('cuLaunchKernel', st);
  }
  /** `config` is the native address of a packed CUlaunchConfig whose attrs pointer is filled in. */
  launchKernelEx(config: bigint, fn: CuFunction, params: bigint): void {
    this.#call('cuLaunchKernelEx', config, fn, params, 0n);
  }
  tensorMapEncodeTiled(
    out: Uint8Array,
    dtype: number,
    rank: number,
    addr: DevicePtr,
    dims: BigUint64Array,
    strides: BigUint64Array,
    box: Uint32Array,
    elemStrides: Uint32Array,
    interleave: number,
    swizzle: number,
    l2: number,
    oob: number,
  ): void {
    const st = this.#encodeTiled(
      out,
      dtype,
      rank,
      addr,
      dims,
      strides,
      box,
      elemStrides,
      interleave,
      swizzle,
      l2,
      oob,
    ) as number;
    if (st !== CUDA_SUCCESS) this.check('cuTensorMapEncodeTiled', st);
  }
}
