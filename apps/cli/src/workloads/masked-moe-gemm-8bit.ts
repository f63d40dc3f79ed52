import { maskedMoeOut, Tensor } from '@gemmkit/core';
import { TOLERANCE } from '@gemmkit/core/conformance';
import { GROUP_SIZES, groupCounts } from './groups.js';
import { dims } from './shapes.js';
import { ceilDiv, posScales, rnd, roundUp } from './tensors.js';
import type { Workload } from './types.js';

/** Masked MoE grouped FP8 GEMM (decode): A [E, maxM, K], only the first maskedM[e] rows of each group. */
export const maskedMoeGemm8bitWorkload: Workload<'maskedMoeGemm8bit'> = {
  op: 'maskedMoeGemm8bit',
  title: 'MoE grouped FP8 GEMM, masked',
  precision: 'fp8',
  params: [
    ...dims({ groups: 4, m: 48, n: 256, k: 256 }, { k: 128 }),
    GROUP_SIZES,
    { name: 'enableOverlap', label: 'overlap signal', kind: 'enum', values: ['no', 'yes'], default: 'no' },
    { name: 'outDtype', label: 'output dtype', kind: 'enum', values: ['bf16', 'f16'], default: 'bf16' },
  ],
  sizes: {
    tiny: { groups: 3, m: 8, n: 64, k: 128 },
    small: { groups: 4, m: 48, n: 256, k: 256 },
    medium: { groups: 8, m: 64, n: 512, k: 512 },
    large: { groups: 16, m: 256, n: 4096, k: 7168 },
  },
  sweep: 'm',
  describe: (p) =>
    `E=${p.groups} ~M=${p.m}/expert (${p.groupSizes}) N=${p.n} K=${p.k}${p.enableOverlap === 'yes' ? ' +signal' : ''}`,
  make: (p) => {
    const [groups, m, n, k] = [p.groups, p.m, p.n, p.k] as number[];
    const counts = groupCounts(String(p.groupSizes), groups, m);
    const maxM = roundUp(Math.max(1, ...counts), 64);
    const kb = ceilDiv(k, 128);
    const overlap = p.enableOverlap === 'yes';
    return {
      op: 'maskedMoeGemm8bit',
      name: `maskedMoeGemm8bit E=${groups} maskedM [${counts}] maxM=${maxM} n=${n} k=${k}`,
      tolerance: TOLERANCE.dequantized,
      // Rows at or past maskedM[e] are never written: NaN-poisoned on both sides.
      allowNonFinite: true,
      // The signal's final counts depend on each backend's N tile, so only `out` is compared.
      output: (r) => maskedMoeOut(r),
      build: (seed) => ({
        a: rnd('e4m3', [groups, maxM, k], seed, 1),
        aScale: posScales([groups, maxM, kb], seed, 2),
        b: rnd('e4m3', [groups, n, k], seed, 3),
        bScale: posScales([groups, ceilDiv(n, 128), kb], seed, 4),
        maskedM: Tensor.host('i32', [groups], new Uint8Array(Int32Array.from(counts).buffer)),
        expectTokens: m,
        enableOverlap: overlap,
        out: Tensor.host(p.outDtype as 'bf16' | 'f16', [groups, maxM, n]),
      }),
    };
  },
};
