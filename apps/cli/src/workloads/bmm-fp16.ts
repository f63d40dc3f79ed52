import { randomTensor } from '@gemmkit/core';
import { TOLERANCE } from '@gemmkit/core/conformance';
import { dims } from './shapes.js';
import type { Workload } from './types.js';

/** BF16/FP16 batched GEMM: out[b] = a[b] · b[b] (+ c). */
export const bmmFp16Workload: Workload<'bmmFp16'> = {
  op: 'bmmFp16',
  title: 'BF16/FP16 batched GEMM',
  precision: 'fp16',
  params: [
    ...dims({ batch: 1, m: 256, n: 256, k: 512 }),
    { name: 'dtype', label: 'input dtype', kind: 'enum', values: ['bf16', 'f16'], default: 'bf16' },
    { name: 'outDtype', label: 'output dtype', kind: 'enum', values: ['bf16', 'f16'], default: 'bf16' },
    { name: 'addC', label: 'add C', kind: 'enum', values: ['no', 'yes'], default: 'no' },
  ],
  sizes: {
    tiny: { m: 16, n: 24, k: 64 },
    small: { m: 256, n: 256, k: 512 },
    medium: { m: 512, n: 1024, k: 1024 },
    large: { m: 2048, n: 2048, k: 2048 },
  },
  sweep: 'm',
  describe: (p) =>
    `${p.batch}×M=${p.m} N=${p.n} K=${p.k} ${p.dtype}→${p.outDtype}${p.addC === 'yes' ? ' +C' : ''}`,
  make: (p) => {
    const [batch, m, n, k] = [p.batch, p.m, p.n, p.k] as number[];
    const dtype = p.dtype as 'bf16' | 'f16';
    const outDtype = p.outDtype as 'bf16' | 'f16';
    return {
      op: 'bmmFp16',
      name: `bmmFp16 ${batch}x${m}x${n}x${k} ${dtype}`,
      tolerance: TOLERANCE.dequantized,
      build: (seed) => ({
        a: randomTensor(dtype, [batch, m, k], { seed }),
        b: randomTensor(dtype, [batch, k, n], { seed: seed + 1 }),
        outDtype,
        ...(p.addC === 'yes' ? { c: randomTensor(outDtype, [batch, m, n], { seed: seed + 2 }) } : {}),
      }),
    };
  },
};
