import { fail, type KernelFn, raggedKMisaligned, raggedKRanges } from '@gemmkit/core';
import { gemmF64, transposeF64 } from '../gemm.js';
import { readF64, readInts } from '../host.js';
import { raiseIndexStatus, writeRows } from './grouped-common.js';

/** `values[kk, c] *= scale[floor(kk / 128), c]` over a row-major `[kTotal, cols]` operand (1x1x128 scales). */
function scaleKBlocks(
  values: Float64Array,
  scale: Float64Array,
  kTotal: number,
  cols: number,
  gk: number,
): void {
  for (let kk = 0; kk < kTotal; kk++) {
    const s = Math.floor(kk / gk) * cols;
    for (let c = 0; c < cols; c++) values[kk * cols + c] *= scale[s + c];
  }
}

/**
 * Ragged-K MoE GEMM: out[e] = round_f32(out[e] + dequant(A_e)ᵀ·dequant(B_e)), the old value joining the
 * float64 sum. Empty experts are not written at all.
 */
export const raggedKMoeGemm8bit: KernelFn<'raggedKMoeGemm8bit'> = (plan, args) => {
  const { m, n, kTotal, granularity } = plan;
  const gk = granularity[2];
  const out = args.out;
  const counts = readInts(args.raggedTokensInfo);
  const { ranges, bad } = raggedKRanges(counts, kTotal);
  const used = ranges.filter((r) => r.end > r.start);
  if (used.length > 0 && m > 0 && n > 0) {
    const a = readF64(args.a);
    scaleKBlocks(a, readF64(args.aScale), kTotal, m, gk);
    const b = readF64(args.b);
    scaleKBlocks(b, readF64(args.bScale), kTotal, n, gk);
    for (const r of used) {
      const len = r.end - r.start;
      const at = transposeF64(a, r.start * m, len, m);
      const bt = transposeF64(b, r.start * n, len, n);
      const acc = new Float64Array(m * n);
      gemmF64(at, 0, bt, 0, m, n, len, acc, 0);
      const old = readF64(out.narrow(0, r.expert, 1));
      for (let i = 0; i < acc.length; i++) acc[i] += old[i];
      writeRows(out, 0, r.expert, 1, acc);
    }
  }
  raiseIndexStatus('raggedKMoeGemm8bit', 'raggedTokensInfo', bad);
  // Misaligned counts were computed as given, but break the contract (as the 'full' check and WebGPU say).
  const misaligned = raggedKMisaligned(counts, gk);
  if (misaligned > 0)
    fail('E_ALIGN', `raggedKMoeGemm8bit: ${misaligned} K count(s) not a multiple of ${gk}`, {
      arg: 'raggedKMoeGemm8bit.raggedTokensInfo',
      expected: `multiples of ${gk}`,
      actual: `${misaligned} misaligned count(s)`,
    });
  return out;
};
