import { fail } from '@gemmkit/core';
import { KERNEL_INSTANCES } from './instances.js';

/** The compile unit of the device-MoE kernels (kernels/moe_ops.cu) and of the combine (moe_permute.cu). */
function instance(file: string) {
  const inst = KERNEL_INSTANCES.find((i) => i.file === file);
  if (!inst) return fail('E_UNSUPPORTED', `${file} missing from KERNEL_INSTANCES`, { arg: file });
  return inst;
}

export const MOE_OPS = instance('moe_ops.cu');
export const MOE_PERMUTE = instance('moe_permute.cu');

/** Grid for `n` blocks along one axis: (x, y) with y * 65535 + x covering n. */
export function grid2d(n: number): [number, number] {
  return n <= 65535 ? [Math.max(1, n), 1] : [65535, Math.ceil(n / 65535)];
}
