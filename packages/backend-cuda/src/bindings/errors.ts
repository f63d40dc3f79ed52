import { type ErrorCode, GemmkitError } from '@gemmkit/core';

/** CUresult values we treat specially (cuda.h). */
export const CUDA_SUCCESS = 0;
export const CUDA_ERROR_OUT_OF_MEMORY = 2;
export const CUDA_ERROR_NOT_READY = 600;

/** cuBLAS status names (cublas_api.h); cuBLASLt has no name function, so we keep the table here. */
export const CUBLAS_STATUS_NAMES: Readonly<Record<number, string>> = {
  0: 'CUBLAS_STATUS_SUCCESS',
  1: 'CUBLAS_STATUS_NOT_INITIALIZED',
  3: 'CUBLAS_STATUS_ALLOC_FAILED',
  7: 'CUBLAS_STATUS_INVALID_VALUE',
  8: 'CUBLAS_STATUS_ARCH_MISMATCH',
  11: 'CUBLAS_STATUS_MAPPING_ERROR',
  13: 'CUBLAS_STATUS_EXECUTION_FAILED',
  14: 'CUBLAS_STATUS_INTERNAL_ERROR',
  15: 'CUBLAS_STATUS_NOT_SUPPORTED',
  16: 'CUBLAS_STATUS_LICENSE_ERROR',
};

/**
 * The error for a failed library call: `E_OOM` for allocation failures, else `code` (E_DEVICE / E_COMPILE).
 * `cause` carries the library's own error name so logs show e.g. CUDA_ERROR_ILLEGAL_ADDRESS.
 */
export function libraryError(
  call: string,
  status: number,
  name: string,
  description: string | undefined,
  code: ErrorCode,
  oom: boolean,
): GemmkitError {
  const what = description && description !== name ? `${name} (${description})` : name;
  return new GemmkitError(oom ? 'E_OOM' : code, `${call} failed: ${what}`, {
    arg: call,
    expected: 'success (0)',
    actual: `${name} = ${status}`,
    cause: name,
  });
}
