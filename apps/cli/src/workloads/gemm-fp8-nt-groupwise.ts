import { TOLERANCE } from '@gemmkit/core/conformance';
import { dims, FP8_PAIR, fp8Pair } from './shapes.js';
import { ceilDiv, mnMajorScales, posScales, rnd, scalar } from './tensors.js';
import type { Workload } from './types.js';

/** DeepSeek-style block-scaled FP8 GEMM: A 1x128 (or 128x128) scales, B 128x128 scales. */
export const gemmFp8NtGroupwiseWorkload: Workload<'gemmFp8NtGroupwise'> = {
  op: 'gemmFp8NtGroupwise',
  title: 'FP8 block-scaled GEMM (DeepGEMM NT)',
  precision: 'fp8',
  params: [
    ...dims({ m: 256, n: 512, k: 512 }, { k: 16 }),
    FP8_PAIR,
    {
      name: 'granularity',
      label: 'A scale granularity',
      kind: 'enum',
      values: ['1x128', '128x128'],
      default: '1x128',
    },
    { name: 'scaleMajor', label: 'scale major', kind: 'enum', values: ['K', 'MN'], default: 'K' },
    {
      name: 'outDtype',
      label: 'output dtype',
      kind: 'enum',
      values: ['bf16', 'f16', 'e4m3'],
      default: 'bf16',
    },
  ],
  sizes: {
    tiny: { m: 16, n: 64, k: 256 },
    small: { m: 256, n: 512, k: 512 },
    medium: { m: 512, n: 1024, k: 1024 },
    large: { m: 2048, n: 7168, k: 2048 },
  },
  sweep: 'm',
  describe: (p) =>
    `M=${p.m} N=${p.n} K=${p.k} ${p.dtypes}→${p.outDtype} A ${p.granularity}, ${p.scaleMajor}-major`,
  make: (p) => {
    const [m, n, k] = [p.m, p.n, p.k] as number[];
    const [aType, bType] = fp8Pair(p);
    const gm = p.granularity === '128x128' ? 128 : 1;
    const outDtype = p.outDtype as 'bf16' | 'f16' | 'e4m3';
    const mn = p.scaleMajor === 'MN';
    const scale = (rows: number, seed: number, salt: number) =>
      mn ? mnMajorScales(rows, ceilDiv(k, 128), seed, salt) : posScales([rows, ceilDiv(k, 128)], seed, salt);
    return {
      op: 'gemmFp8NtGroupwise',
      name: `gemmFp8NtGroupwise ${m}x${n}x${k} ${p.granularity} ${p.scaleMajor}`,
      tolerance: outDtype === 'e4m3' ? TOLERANCE.fp8Output : TOLERANCE.dequantized,
      build: (seed) => ({
        a: rnd(aType, [m, k], seed, 1),
        b: rnd(bType, [n, k], seed, 2),
        aScale: scale(ceilDiv(m, gm), seed, 3),
        bScale: scale(ceilDiv(n, 128), seed, 4),
        scaleMajorMode: p.scaleMajor as 'K' | 'MN',
        scaleGranularityMnk: [gm, 128, 128] as const,
        outDtype,
        ...(outDtype === 'e4m3' ? { outputScale: scalar(Math.max(1, Math.sqrt(k) / 16)) } : {}),
      }),
    };
  },
};
