import { TOLERANCE } from '@gemmkit/core/conformance';
import { dims } from './shapes.js';
import { kMajor, posScales, rnd, roundUp, scalar } from './tensors.js';
import type { Workload } from './types.js';

/** FP4 GEMM: NVFP4 (e4m3 scale per 16 + alpha), MXFP4 (ue8m0 per 32), or W4A16 (bf16 × fp4). */
export const mmFp4Workload: Workload<'mmFp4'> = {
  op: 'mmFp4',
  title: 'FP4 GEMM (NVFP4 / MXFP4 / W4A16)',
  precision: 'fp4',
  params: [
    ...dims({ m: 256, n: 256, k: 512 }, { k: 32 }),
    { name: 'format', label: 'format', kind: 'enum', values: ['nvfp4', 'mxfp4', 'w4a16'], default: 'nvfp4' },
    {
      name: 'scaleLayout',
      label: 'scale layout',
      kind: 'enum',
      values: ['swizzle128x4', 'linear'],
      default: 'swizzle128x4',
    },
    { name: 'outDtype', label: 'output dtype', kind: 'enum', values: ['bf16', 'f16'], default: 'bf16' },
  ],
  sizes: {
    tiny: { m: 16, n: 32, k: 64 },
    small: { m: 256, n: 256, k: 512 },
    medium: { m: 512, n: 1024, k: 1024 },
    large: { m: 2048, n: 2048, k: 2048 },
  },
  sweep: 'm',
  describe: (p) => `M=${p.m} N=${p.n} K=${p.k} ${p.format} ${p.scaleLayout}→${p.outDtype}`,
  make: (p) => {
    const [m, n, k] = [p.m, p.n, p.k] as number[];
    const w4a16 = p.format === 'w4a16';
    const format = p.format === 'mxfp4' ? 'mxfp4' : 'nvfp4';
    const vec = format === 'nvfp4' ? 16 : 32;
    const scaleDtype = format === 'nvfp4' ? 'e4m3' : 'ue8m0';
    const linear = p.scaleLayout === 'linear';
    const scaleShape = (rows: number) =>
      linear ? [rows, k / vec] : [roundUp(rows, 128), roundUp(k / vec, 4)];
    return {
      op: 'mmFp4',
      name: `mmFp4 ${m}x${n}x${k} ${p.format} ${p.scaleLayout}`,
      tolerance: TOLERANCE.dequantized,
      build: (seed) => ({
        a: w4a16 ? rnd('bf16', [m, k], seed, 1) : rnd('e2m1x2', [m, k / 2], seed, 1),
        b: kMajor('e2m1x2', [k / 2, n], seed, 2),
        ...(w4a16 ? {} : { aScale: posScales(scaleShape(m), seed, 3, scaleDtype) }),
        bScale: posScales(scaleShape(n), seed, 4, scaleDtype),
        ...(format === 'nvfp4' ? { alpha: scalar(0.5) } : {}),
        format,
        scaleLayout: p.scaleLayout as 'swizzle128x4' | 'linear',
        outDtype: p.outDtype as 'bf16' | 'f16',
      }),
    };
  },
};
