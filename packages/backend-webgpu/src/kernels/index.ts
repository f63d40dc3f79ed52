import type { KernelTable } from '@gemmkit/core';
import { bmmFp16 } from './bmm-fp16.js';

/** Every WGSL kernel of the webgpu backend, by op name. */
export const kernels: KernelTable = {
  bmmFp16,
};
