import { Tensor } from '@gemmkit/core';
import { TOLERANCE } from '@gemmkit/core/conformance';
import { GROUP_SIZES, groupCounts } from './groups.js';
import { dims } from './shapes.js';
import { ceilDiv, posScales, rnd, roundUp } from './tensors.js';
import type { Workload } from './types.js';

/** Contiguous (ragged-M) MoE grouped FP8 GEMM: rows grouped by expert, groups padded to the alignment. */
export const raggedMMoeGemm8bitWorkload: Workload<'raggedMMoeGemm8bit'> = {
  op: 'raggedMMoeGemm8bit',
  title: 'MoE grouped FP8 GEMM, contiguous (ragged M)',
  precision: 'fp8',
  params: [
    ...dims({ groups: 4, m: 96, n: 256, k: 256 }, { k: 128 }),
    GROUP_SIZES,
    {
      name: 'gemmMode',
      label: 'index form',
      kind: 'enum',
      values: ['per_token', 'psum_expert', 'per_expert'],
      default: 'per_token',
    },
    { name: 'alignmentM', label: 'group alignment', kind: 'enum', values: [128, 256], default: 128 },
    { name: 'majorA', label: 'A layout (contiguous dim)', kind: 'enum', values: ['K', 'M'], default: 'K' },
    { name: 'majorB', label: 'B layout (contiguous dim)', kind: 'enum', values: ['K', 'N'], default: 'K' },
    { name: 'outDtype', label: 'output dtype', kind: 'enum', values: ['bf16', 'f16'], default: 'bf16' },
  ],
  sizes: {
    tiny: { groups: 3, m: 8, n: 64, k: 128 },
    small: { groups: 4, m: 96, n: 256, k: 256 },
    medium: { groups: 8, m: 128, n: 512, k: 512 },
    large: { groups: 16, m: 512, n: 4096, k: 7168 },
  },
  sweep: 'm',
  describe: (p) =>
    `E=${p.groups} ~M=${p.m}/expert (${p.groupSizes}) N=${p.n} K=${p.k} ${p.gemmMode} align ${p.alignmentM}` +
    (p.majorA !== 'K' || p.majorB !== 'K' ? ` A ${p.majorA}-major B ${p.majorB}-major` : ''),
  make: (p) => {
    const [groups, m, n, k] = [p.groups, p.m, p.n, p.k] as number[];
    const align = Number(p.alignmentM) as 128 | 256;
    const counts = groupCounts(String(p.groupSizes), groups, m);
    // Row layout shared by all three index forms: expert e at [start_e, start_e + count_e).
    const starts: number[] = [];
    let end = 0;
    for (const c of counts) {
      const start = roundUp(end, align);
      starts.push(start);
      end = start + c;
    }
    const rows = roundUp(end, align);
    const info = new Int32Array(p.gemmMode === 'per_token' ? rows : groups);
    if (p.gemmMode === 'per_token') {
      info.fill(-1);
      counts.forEach((c, e) => info.fill(e, starts[e], starts[e] + c));
    } else counts.forEach((c, e) => (info[e] = p.gemmMode === 'psum_expert' ? starts[e] + c : c));
    const kb = ceilDiv(k, 128);
    return {
      op: 'raggedMMoeGemm8bit',
      name: `raggedMMoeGemm8bit E=${groups} counts [${counts}] n=${n} k=${k} ${p.gemmMode}`,
      tolerance: TOLERANCE.dequantized,
      // Padding rows are never written: they stay NaN-poisoned on both sides and must match.
      allowNonFinite: true,
      build: (seed) => ({
        // 'M'/'N'-major operands are stored transposed and viewed back as [M, K] / [E, N, K].
        a:
          p.majorA === 'M'
            ? rnd('e4m3', [k, rows], seed, 1).transpose(0, 1)
            : rnd('e4m3', [rows, k], seed, 1),
        aScale: posScales([rows, kb], seed, 2),
        b:
          p.majorB === 'N'
            ? rnd('e4m3', [groups, k, n], seed, 3).transpose(1, 2)
            : rnd('e4m3', [groups, n, k], seed, 3),
        bScale: posScales([groups, ceilDiv(n, 128), kb], seed, 4),
        raggedTokensInfo: Tensor.host('i32', [info.length], new Uint8Array(info.buffer.slice(0))),
        gemmMode: p.gemmMode as 'per_token' | 'psum_expert' | 'per_expert',
        majorA: p.majorA as 'K' | 'M',
        majorB: p.majorB as 'K' | 'N',
        alignmentM: align,
        out: Tensor.host(p.outDtype as 'bf16' | 'f16', [rows, n]),
      }),
    };
  },
};
