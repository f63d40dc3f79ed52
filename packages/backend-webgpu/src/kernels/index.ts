import type { KernelTable } from '@gemmkit/core';
import { bmmFp8 } from './bmm-fp8.js';
import { bmmFp16 } from './bmm-fp16.js';
import { gemmFp8NtGroupwise } from './gemm-fp8-nt-groupwise.js';
import { mmFp8 } from './mm-fp8.js';

/** Every WGSL kernel of the webgpu backend, by op name. */
export const kernels: KernelTable = {
  bmmFp16,
  bmmFp8,
  mmFp8,
  gemmFp8NtGroupwise,
};
