import { fail } from '@gemmkit/core';
import { KERNEL_INSTANCES } from './instances.js';

/** kernels/mqa_logits.cu: one CTA per (query row, 128 keys); heads x dim of one query staged in shared memory. */
export const MQA = (() => {
  const q = KERNEL_INSTANCES.find((i) => i.file === 'mqa_logits.cu');
  if (!q)
    return fail('E_UNSUPPORTED', 'mqa_logits.cu missing from KERNEL_INSTANCES', { arg: 'mqa_logits.cu' });
  return q;
})();
export const MQA_BLOCK = 128;
