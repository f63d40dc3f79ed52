import { TOLERANCE } from '@gemmkit/core/conformance';
import { dims, FP8_PAIR, fp8Pair } from './shapes.js';
import { kMajor, rnd, scalar } from './tensors.js';
import type { Workload } from './types.js';

/** FP8 GEMM with one global alpha. */
export const mmFp8Workload: Workload<'mmFp8'> = {
  op: 'mmFp8',
  title: 'FP8 GEMM with a global scale',
  precision: 'fp8',
  params: [
    ...dims({ m: 256, n: 256, k: 512 }, { k: 16 }),
    FP8_PAIR,
    { name: 'outDtype', label: 'output dtype', kind: 'enum', values: ['bf16', 'f16'], default: 'bf16' },
  ],
  sizes: {
    tiny: { m: 16, n: 32, k: 64 },
    small: { m: 256, n: 256, k: 512 },
    medium: { m: 512, n: 1024, k: 1024 },
    large: { m: 2048, n: 2048, k: 2048 },
  },
  sweep: 'm',
  describe: (p) => `M=${p.m} N=${p.n} K=${p.k} ${p.dtypes}→${p.outDtype}`,
  make: (p) => {
    const [m, n, k] = [p.m, p.n, p.k] as number[];
    const [aType, bType] = fp8Pair(p);
    return {
      op: 'mmFp8',
      name: `mmFp8 ${m}x${n}x${k} ${p.dtypes}`,
      tolerance: TOLERANCE.dequantized,
      build: (seed) => ({
        a: rnd(aType, [m, k], seed, 1),
        b: kMajor(bType, [k, n], seed, 2),
        alpha: scalar(0.5),
        outDtype: p.outDtype as 'bf16' | 'f16',
      }),
    };
  },
};
