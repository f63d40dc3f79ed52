import { TOLERANCE } from '@gemmkit/core/conformance';
import { dims, FP8_PAIR, fp8Pair } from './shapes.js';
import { kMajor, posScales, rnd, scalar } from './tensors.js';
import type { Workload } from './types.js';

/** FP8 batched GEMM with per-tensor (or per-row A) f32 scales; optional FP8 output. */
export const bmmFp8Workload: Workload<'bmmFp8'> = {
  op: 'bmmFp8',
  title: 'FP8 batched GEMM, per-tensor scales',
  precision: 'fp8',
  params: [
    ...dims({ batch: 1, m: 256, n: 256, k: 512 }, { k: 16 }),
    FP8_PAIR,
    {
      name: 'outDtype',
      label: 'output dtype',
      kind: 'enum',
      values: ['bf16', 'f16', 'e4m3'],
      default: 'bf16',
    },
    { name: 'aScale', label: 'A scale', kind: 'enum', values: ['tensor', 'row'], default: 'tensor' },
  ],
  sizes: {
    tiny: { m: 16, n: 32, k: 64 },
    small: { m: 256, n: 256, k: 512 },
    medium: { m: 512, n: 1024, k: 1024 },
    large: { m: 2048, n: 2048, k: 2048 },
  },
  sweep: 'm',
  describe: (p) => `${p.batch}×M=${p.m} N=${p.n} K=${p.k} ${p.dtypes}→${p.outDtype} (${p.aScale} A scale)`,
  make: (p) => {
    const [batch, m, n, k] = [p.batch, p.m, p.n, p.k] as number[];
    const [aType, bType] = fp8Pair(p);
    const outDtype = p.outDtype as 'bf16' | 'f16' | 'e4m3';
    const perRow = p.aScale === 'row';
    return {
      op: 'bmmFp8',
      name: `bmmFp8 ${batch}x${m}x${n}x${k} ${p.dtypes}→${outDtype}`,
      tolerance: outDtype === 'e4m3' ? TOLERANCE.fp8Output : TOLERANCE.dequantized,
      build: (seed) => ({
        a: rnd(aType, [batch, m, k], seed, 1),
        b: kMajor(bType, [batch, k, n], seed, 2),
        aScale: perRow ? posScales([batch, m], seed, 3) : scalar(0.75),
        bScale: scalar(1.25),
        outDtype,
        ...(perRow ? { scaleGranularity: [1, -1, -1] as const } : {}),
        // Keep e4m3 outputs inside ±448: a dot of K unit normals has std ≈ √K.
        ...(outDtype === 'e4m3' ? { outputScale: scalar(Math.max(1, Math.sqrt(k) / 16)) } : {}),
      }),
    };
  },
};
