import { TOLERANCE } from '@gemmkit/core/conformance';
import { dims } from './shapes.js';
import { kMajor, rnd } from './tensors.js';
import type { Workload } from './types.js';

/** Small-M BF16 GEMM (decode-time), optional bias. */
export const tgvGemmWorkload: Workload<'tgvGemm'> = {
  op: 'tgvGemm',
  title: 'small-M BF16 GEMM (+bias)',
  precision: 'fp16',
  params: [
    ...dims({ m: 8, n: 1024, k: 1024 }, { k: 8 }),
    { name: 'bias', label: 'bias', kind: 'enum', values: ['yes', 'no'], default: 'yes' },
  ],
  sizes: {
    tiny: { m: 4, n: 64, k: 128 },
    small: { m: 8, n: 1024, k: 1024 },
    medium: { m: 16, n: 4096, k: 4096 },
    large: { m: 64, n: 7168, k: 7168 },
  },
  sweep: 'm',
  describe: (p) => `M=${p.m} N=${p.n} K=${p.k} bf16${p.bias === 'yes' ? ' +bias' : ''}`,
  make: (p) => {
    const [m, n, k] = [p.m, p.n, p.k] as number[];
    return {
      op: 'tgvGemm',
      name: `tgvGemm ${m}x${n}x${k}`,
      tolerance: TOLERANCE.dequantized,
      build: (seed) => ({
        a: rnd('bf16', [m, k], seed, 1),
        b: kMajor('bf16', [k, n], seed, 2),
        ...(p.bias === 'yes' ? { bias: rnd('bf16', [n], seed, 3) } : {}),
      }),
    };
  },
};
