/**
 * The kernel launch API used by the CUDA op launchers (src/ops/**).
 *
 * ```ts
 * import { cudaRuntimeOf } from '../runtime/index.js';
 * const rt = cudaRuntimeOf(kctx.backend);               // the CudaRuntime behind a cuda Backend
 * const k = rt.getKernel({                              // JIT (NVRTC or nvcc) + disk cache + module cache
 *   file: 'fp8_gemm.cu',                                // under packages/backend-cuda/kernels/
 *   name: 'fp8_gemm_kernel',                            // an `extern "C" __global__` function
 *   defines: { BM: 128, BN: 112, SWAP_AB: true },       // -DBM=128 -DBN=112 -DSWAP_AB=1
 *   arch: 'sm_90a',                                     // optional; default rt.device.arch
 * });
 * const tmA = rt.tensorMap({ tensor: a, box: [128, 128], swizzle: '128B' });  // CUtensorMap for TMA
 * k.launch({
 *   grid: [rt.device.smCount, 1, 1], block: [384, 1, 1], sharedBytes: 200_000,
 *   cluster: [2, 1, 1],                                 // optional: uses cuLaunchKernelEx
 *   stream: rt.stream,                                  // optional; the runtime's default stream
 *   args: [out, a.ptr, { i32: m }, { u32: n }, { f32: 1.5 }, { i64: 5n }, tmA, rt.status.arg('fp8Gemm', 'bad expert id')],
 * });
 * ```
 *
 * Arguments (see args.ts): `bigint` device pointers, device `Tensor`s (address of element 0), explicit scalars
 * `{ i32 } { u32 } { i64 } { u64 } { f32 } { f64 }`, and by-value structs `{ bytes, align }` (tensor maps are
 * `{ bytes: Uint8Array(128), align: 64 }`, which `rt.tensorMap` returns; declare the parameter
 * `const __grid_constant__ CUtensorMap tm`). Kernels must be `extern "C"` so their names are not mangled;
 * specialize templates through `defines`. Launches above 48 KiB of dynamic shared memory raise the
 * function's limit automatically (cuFuncSetAttribute). Launch errors throw GemmkitError('E_DEVICE').
 */
import { fail } from '@gemmkit/core';
import {
  CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION,
  type CudaDriver,
  FuncAttr,
  LAUNCH_ATTRIBUTE_BYTES,
  LAUNCH_CONFIG_BYTES,
} from '../bindings/driver.js';
import { NativeBuffer } from '../bindings/native.js';
import { type CuFunction, type CuModule, type CuStream, type FfiU64, ffiU64 } from '../bindings/types.js';
import type { ArgPacker, KernelArg, TensorAddress } from './args.js';

export type { KernelArg } from './args.js';

/** What to compile: one `extern "C" __global__` function of a kernel source, specialized by defines. */
export interface KernelSpec {
  /** File under `packages/backend-cuda/kernels/` (local `#include "x.cuh"` files are resolved and hashed). */
  file?: string;
  /** Inline CUDA source instead of a file (tests, tiny helpers). */
  source?: string;
  /** Kernel function name. */
  name: string;
  /** Compile-time constants: `-D<key>=<value>` (booleans become 1/0). */
  defines?: Readonly<Record<string, number | string | boolean>>;
  /** Target such as 'sm_90a', 'sm_100a', 'sm_89'. Default: the device's arch. */
  arch?: string;
  /** Extra compiler options (e.g. '-lineinfo'). */
  options?: readonly string[];
}

export type Dim3 = number | readonly [number, number?, number?];

export interface LaunchOptions {
  grid: Dim3;
  block: Dim3;
  /** Dynamic shared memory in bytes (default 0). */
  sharedBytes?: number;
  /** Thread-block cluster dims (sm_90+); launches through cuLaunchKernelEx. */
  cluster?: Dim3;
  /** Default: the runtime's stream. */
  stream?: CuStream;
  args: readonly KernelArg[];
}

/** Everything a kernel needs from its runtime to launch. */
export interface KernelHost {
  readonly driver: CudaDriver;
  readonly packer: ArgPacker;
  readonly stream: CuStream;
  /** `stream` in its FFI form (ffiU64), when the host keeps one. */
  readonly ffiStream?: FfiU64;
  /** Largest dynamic shared memory a block may opt into (CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN). */
  readonly maxSharedOptin: number;
  readonly tensorAddress: TensorAddress;
  /** Make the owning context current (several devices in one process). */
  activate(): void;
}

const DEFAULT_SMEM_LIMIT = 48 * 1024;
const GRID_MAX = [2 ** 31 - 1, 65535, 65535] as const;
const BLOCK_MAX = [1024, 1024, 64] as const;

/** A launch dimension: an integer in [1, max]. */
const dimOk = (x: unknown, max: number): boolean =>
  typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= max;

export function toDim3(
  d: Dim3,
  arg: string,
  max: readonly [number, number, number],
): [number, number, number] {
  const v = typeof d === 'number' ? [d, 1, 1] : [d[0], d[1] ?? 1, d[2] ?? 1];
  v.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 1 || x > max[i])
      fail('E_RANGE', 'launch dimension out of range', {
        arg,
        expected: `integers in [1, ${max.join(' / ')}]`,
        actual: typeof d === 'number' ? d : [...d],
      });
  });
  return v as [number, number, number];
}

/** A compiled kernel function, ready to launch. Obtained from `rt.getKernel(spec)` (cached per spec). */
export class CudaKernel {
  readonly name: string;
  readonly fn: CuFunction;
  readonly module: CuModule;
  /** Registers per thread and static shared memory, read from the function after loading. */
  readonly numRegs: number;
  readonly staticSharedBytes: number;
  readonly maxThreadsPerBlock: number;
  #host: KernelHost;
  #smemLimit = DEFAULT_SMEM_LIMIT;
  #config: NativeBuffer | null = null;
  /** Argument names for errors, built once. */
  readonly #where: string;
  readonly #argsWhere: string;
  /** `fn` in its FFI form. */
  readonly #fnArg: FfiU64;

  constructor(host: KernelHost, module: CuModule, fn: CuFunction, name: string) {
    this.#host = host;
    this.module = module;
    this.fn = fn;
    this.name = name;
    this.#where = `launch(${name})`;
    this.#argsWhere = `${this.#where}.args`;
    this.#fnArg = ffiU64(fn);
    const d = host.driver;
    this.numRegs = d.funcGetAttribute(fn, FuncAttr.numRegs);
    this.staticSharedBytes = d.funcGetAttribute(fn, FuncAttr.sharedSizeBytes);
    this.maxThreadsPerBlock = d.funcGetAttribute(fn, FuncAttr.maxThreadsPerBlock);
  }

  /** Enqueue one launch on the stream. Throws E_RANGE for bad dimensions, E_DEVICE for driver errors. */
  launch(opts: LaunchOptions): void {
    const host = this.#host;
    host.activate();
    if (!opts || typeof opts !== 'object')
      fail('E_UNSUPPORTED', 'launch options required', { arg: this.#where });
    // Dimensions read in place (no tuples per call); anything unusual goes through toDim3 for its error.
    const g = opts.grid;
    const b = opts.block;
    let gx: number;
    let gy = 1;
    let gz = 1;
    let bx: number;
    let by = 1;
    let bz = 1;
    if (typeof g === 'number') gx = g;
    else if (Array.isArray(g)) {
      gx = g[0];
      gy = g[1] ?? 1;
      gz = g[2] ?? 1;
    } else gx = Number.NaN;
    if (typeof b === 'number') bx = b;
    else if (Array.isArray(b)) {
      bx = b[0];
      by = b[1] ?? 1;
      bz = b[2] ?? 1;
    } else bx = Number.NaN;
    if (!(dimOk(gx, 2 ** 31 - 1) && dimOk(gy, 65535) && dimOk(gz, 65535)))
      [gx, gy, gz] = toDim3(g, `${this.#where}.grid`, GRID_MAX);
    if (!(dimOk(bx, 1024) && dimOk(by, 1024) && dimOk(bz, 64)))
      [bx, by, bz] = toDim3(b, `${this.#where}.block`, BLOCK_MAX);
    const threads = bx * by * bz;
    if (threads > this.maxThreadsPerBlock)
      fail('E_RANGE', 'too many threads per block for this kernel', {
        arg: `${this.#where}.block`,
        expected: `<= ${this.maxThreadsPerBlock} threads`,
        actual: threads,
      });
    const smem = opts.sharedBytes ?? 0;
    const maxSmem = host.maxSharedOptin - this.staticSharedBytes;
    if (!Number.isInteger(smem) || smem < 0 || smem > maxSmem)
      fail('E_RANGE', 'dynamic shared memory exceeds the device limit', {
        arg: `${this.#where}.sharedBytes`,
        expected: `integer in [0, ${maxSmem}]`,
        actual: smem,
      });
    if (smem > this.#smemLimit) {
      host.driver.funcSetAttribute(this.fn, FuncAttr.maxDynamicSharedSizeBytes, smem);
      this.#smemLimit = smem;
    }
    if (opts.cluster === undefined) {
      const params = host.packer.packFfi(opts.args, host.tensorAddress, this.#argsWhere);
      const s = opts.stream ?? host.ffiStream ?? host.stream;
      host.driver.launch(this.#fnArg, gx, gy, gz, bx, by, bz, smem, s, params);
      return;
    }
    const stream = opts.stream ?? host.stream;
    const params = host.packer.pack(opts.args, host.tensorAddress, this.#argsWhere);
    const grid = [gx, gy, gz] as const;
    const cluster = toDim3(opts.cluster, `${this.#where}.cluster`, [16, 16, 16]);
    cluster.forEach((c, i) => {
      if (grid[i] % c !== 0)
        fail('E_RANGE', 'grid must be a multiple of the cluster shape', {
          arg: `${this.#where}.cluster`,
          expected: `divides grid [${grid.join(', ')}]`,
          actual: cluster,
        });
    });
    if (cluster[0] * cluster[1] * cluster[2] > 8)
      host.driver.funcSetAttribute(this.fn, FuncAttr.nonPortableClusterSizeAllowed, 1);
    host.driver.launchKernelEx(
      this.#launchConfig(grid, [bx, by, bz], smem, stream, cluster),
      this.fn,
      params,
    );
  }

  /** CUlaunchConfig + one CUlaunchAttribute (cluster dims) in native memory; attrs points inside it. */
  #launchConfig(
    grid: readonly number[],
    block: readonly number[],
    smem: number,
    stream: CuStream,
    cluster: readonly number[],
  ): bigint {
    if (!this.#config) this.#config = new NativeBuffer(LAUNCH_CONFIG_BYTES + LAUNCH_ATTRIBUTE_BYTES, 64);
    const { view: v, bytes, address } = this.#config;
    bytes.fill(0);
    [...grid, ...block].forEach((x, i) => v.setUint32(i * 4, x, true));
    v.setUint32(24, smem, true);
    v.setBigUint64(32, stream, true);
    v.setBigUint64(40, address + BigInt(LAUNCH_CONFIG_BYTES), true);
    v.setUint32(48, 1, true);
    const a = LAUNCH_CONFIG_BYTES;
    v.setUint32(a, CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION, true);
    cluster.forEach((x, i) => v.setUint32(a + 8 + i * 4, x, true));
    return address;
  }

  /** Frees the launch-config block; the module itself is owned by the runtime's module cache. */
  dispose(): void {
    this.#config?.free();
    this.#config = null;
  }
}
