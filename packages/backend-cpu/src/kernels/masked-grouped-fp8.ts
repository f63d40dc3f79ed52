import { maskedBad, maskedRows, type Tensor } from '@gemmkit/core';
import { gemmF64 } from '../gemm.js';
import { readF64, readInts } from '../host.js';
import { scaleBlocks, writeRows } from './grouped-common.js';

export interface MaskedProblem {
  groups: number;
  maxM: number;
  n: number;
  k: number;
  /** Rows of B per scale block (1 or 128); K block is gk. */
  gn: number;
  gk: number;
}

/**
 * The masked grouped FP8 GEMM shared by maskedMoeGemm8bit and batchDeepgemmFp8NtGroupwise: for group g, rows
 * `[0, clamp(masked[g], 0, maxM))` of `out[g]` = dequant(a[g]) · dequant(b[g])ᵀ, rounded once; other rows
 * untouched. Returns the rows computed per group and how many masked entries were out of range.
 */
export function maskedGroupedFp8(
  p: MaskedProblem,
  a: Tensor,
  aScale: Tensor,
  b: Tensor,
  bScale: Tensor,
  maskedM: Tensor,
  out: Tensor,
): { rows: number[]; bad: number } {
  const { groups, maxM, n, k, gn, gk } = p;
  const masked = readInts(maskedM);
  const rows: number[] = [];
  let bad = 0;
  for (let g = 0; g < groups; g++) {
    rows.push(maskedRows(masked, g, maxM));
    if (maskedBad(masked, g, maxM)) bad++;
  }
  if (n === 0 || rows.every((r) => r === 0)) return { rows, bad };
  const av = readF64(a);
  const as = readF64(aScale);
  const bv = readF64(b);
  const bs = readF64(bScale);
  const kb = Math.ceil(k / gk);
  const nb = Math.ceil(n / gn);
  for (let g = 0; g < groups; g++) {
    const r = rows[g];
    if (r === 0) continue;
    scaleBlocks(av, g * maxM * k, r, k, as, g * maxM * kb, 1, gk);
    scaleBlocks(bv, g * n * k, n, k, bs, g * nb * kb, gn, gk);
    const acc = new Float64Array(r * n);
    gemmF64(av, g * maxM * k, bv, g * n * k, r, n, k, acc, 0);
    writeRows(out.narrow(0, g, 1), 1, 0, r, acc);
  }
  return { rows, bad };
}
