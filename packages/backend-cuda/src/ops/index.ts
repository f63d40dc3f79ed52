import type { KernelTable } from '@gemmkit/core';

/**
 * Kernel table of the CUDA op launchers (filled by the kernels/launchers work). The backend merges it with
 * its own cuBLASLt kernels (bmmFp16, bmmFp8); entries here take precedence.
 */
export const kernels: KernelTable = {};
