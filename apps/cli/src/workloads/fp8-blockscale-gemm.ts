import { TOLERANCE } from '@gemmkit/core/conformance';
import { dims } from './shapes.js';
import { ceilDiv, posScales, rnd } from './tensors.js';
import type { Workload } from './types.js';

/** Hopper FP8 block-scale GEMM: bf16 inputs quantized inside, or FP8 with 1x128 / 128x128 scales. */
export const fp8BlockscaleGemmWorkload: Workload<'fp8BlockscaleGemm'> = {
  op: 'fp8BlockscaleGemm',
  title: 'FP8 block-scale GEMM (bf16 or fp8 operands)',
  precision: 'fp8',
  params: [
    ...dims({ m: 256, n: 512, k: 512 }, { k: 16 }),
    {
      name: 'operands',
      label: 'input × weight',
      kind: 'enum',
      values: ['bf16×bf16', 'bf16×fp8', 'fp8×fp8'],
      default: 'fp8×fp8',
    },
    {
      name: 'weightBlock',
      label: 'weight scale block',
      kind: 'enum',
      values: ['128x128', '1x128'],
      default: '128x128',
    },
  ],
  sizes: {
    tiny: { m: 16, n: 64, k: 256 },
    small: { m: 256, n: 512, k: 512 },
    medium: { m: 512, n: 1024, k: 1024 },
    large: { m: 2048, n: 7168, k: 2048 },
  },
  sweep: 'm',
  describe: (p) => `M=${p.m} N=${p.n} K=${p.k} ${p.operands} W ${p.weightBlock}`,
  make: (p) => {
    const [m, n, k] = [p.m, p.n, p.k] as number[];
    const [inKind, wKind] = String(p.operands).split('×');
    const kb = ceilDiv(k, 128);
    const wRows = p.weightBlock === '1x128' ? n : ceilDiv(n, 128);
    return {
      op: 'fp8BlockscaleGemm',
      name: `fp8BlockscaleGemm ${m}x${n}x${k} ${p.operands}`,
      // bf16 operands are quantized inside: both backends quantize, rounding ties may land apart.
      tolerance: inKind === 'bf16' || wKind === 'bf16' ? TOLERANCE.fp8VsUnquantized : TOLERANCE.dequantized,
      build: (seed) => ({
        input: rnd(inKind === 'fp8' ? 'e4m3' : 'bf16', [m, k], seed, 1),
        weight: rnd(wKind === 'fp8' ? 'e4m3' : 'bf16', [n, k], seed, 2),
        ...(inKind === 'fp8' ? { inputScale: posScales([m, kb], seed, 3) } : {}),
        ...(wKind === 'fp8' ? { weightScale: posScales([wRows, kb], seed, 4) } : {}),
      }),
    };
  },
};
