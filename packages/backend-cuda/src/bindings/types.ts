/**
 * Branded handle types. Every pointer and handle crossing the FFI is a `bigint` (x86-64 pointers are 64-bit
 * and may exceed 2^53); the brand keeps a stream from being passed where a device pointer is expected.
 */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Device memory address (`CUdeviceptr`). */
export type DevicePtr = Brand<bigint, 'CUdeviceptr'>;
/** Page-locked host memory address from `cuMemHostAlloc`. */
export type HostPtr = Brand<bigint, 'HostPtr'>;
export type CuDevice = Brand<number, 'CUdevice'>;
export type CuContext = Brand<bigint, 'CUcontext'>;
export type CuStream = Brand<bigint, 'CUstream'>;
export type CuEvent = Brand<bigint, 'CUevent'>;
export type CuModule = Brand<bigint, 'CUmodule'>;
export type CuFunction = Brand<bigint, 'CUfunction'>;
export type NvrtcProgram = Brand<bigint, 'nvrtcProgram'>;
export type LtHandle = Brand<bigint, 'cublasLtHandle_t'>;
export type LtMatmulDesc = Brand<bigint, 'cublasLtMatmulDesc_t'>;
export type LtLayout = Brand<bigint, 'cublasLtMatrixLayout_t'>;
export type LtPreference = Brand<bigint, 'cublasLtMatmulPreference_t'>;

/** The null stream (legacy default stream). */
export const NULL_STREAM = 0n as CuStream;
export const NULL_PTR = 0n as DevicePtr;

/** Brand a raw bigint; only binding code and allocators should need this. */
export function asHandle<T extends bigint>(v: bigint): T {
  return v as T;
}

/** A handle or address in the form koffi passes to a `uint64_t` parameter most cheaply. */
export type FfiU64 = number | bigint;

const EXACT = 2n ** 53n;

/**
 * `b` as a number when that is exact (every real handle and device address is below 2^53), else the bigint.
 * koffi converts a number argument several times faster than a BigInt, which adds up on per-launch calls.
 */
export function ffiU64(b: bigint): FfiU64 {
  return b >= 0n && b < EXACT ? Number(b) : b;
}
