import { cdiv } from './math.js';

/**
 * Work split of the paged MQA logits indexer (what `getPagedMqaLogitsMetadata` computes).
 *
 * Each sequence b is cut into fixed-size splits of `splitKv = SPLITS_PAGES · blockKv` tokens:
 * `splits[b] = ceil(L[b] / splitKv)` where `L[b]` is the longest context of the sequence (1-D context
 * lengths: `contextLens[b]`; 2-D: `max_t contextLens[b, t]`; negative lengths count as 0). The global list of
 * splits (batch-major) is spread evenly over `numSms` SMs: with `total = Σ splits`, `q = floor(total / numSms)`
 * and `r = total % numSms`, SM i starts at global split `g(i) = i·q + min(i, r)` — the first `r` SMs take one
 * extra split. Row i of the metadata is `(b, s)` with `g(i) = Σ_{c<b} splits[c] + s` and `s < splits[b]`
 * (empty sequences are skipped); row `numSms` is the end marker `(B, 0)`. SM i processes the splits from
 * row i (inclusive) to row i+1 (exclusive). All-zero lengths give `(B, 0)` on every row.
 */
export const SPLITS_PAGES = 4;

export function splitKvTokens(blockKv: number): number {
  return SPLITS_PAGES * blockKv;
}

/** Per-sequence scheduling length (see above) from row-major context lengths. */
export function scheduleLengths(
  lens: ArrayLike<number>,
  batch: number,
  nextN: number,
  twoD: boolean,
): number[] {
  const out = new Array<number>(batch).fill(0);
  for (let b = 0; b < batch; b++) {
    if (!twoD) out[b] = Math.max(0, lens[b] | 0);
    else for (let t = 0; t < nextN; t++) out[b] = Math.max(out[b], lens[b * nextN + t] | 0);
  }
  return out;
}

/** The `[numSms + 1, 2]` metadata rows, row-major. */
export function pagedMqaSchedule(lengths: readonly number[], splitKv: number, numSms: number): Int32Array {
  const batch = lengths.length;
  const splits = lengths.map((l) => cdiv(Math.max(0, l), splitKv));
  const total = splits.reduce((a, s) => a + s, 0);
  const q = Math.floor(total / numSms);
  const r = total % numSms;
  const meta = new Int32Array((numSms + 1) * 2);
  let b = 0;
  let before = 0; // Σ splits of sequences < b
  for (let i = 0; i <= numSms; i++) {
    const g = i * q + Math.min(i, r);
    while (b < batch && before + splits[b] <= g) before += splits[b++];
    meta[2 * i] = b;
    meta[2 * i + 1] = b < batch ? g - before : 0;
  }
  return meta;
}

/**
 * Number of KV positions visible to draft token t of sequence b (positions `[0, count)`), before clamping to
 * the logits width. 1-D: `contextLens[b] − nextN + t + 1`; 2-D: `contextLens[b, t]`. May be ≤ 0.
 */
export function visibleKv(
  lens: ArrayLike<number>,
  b: number,
  t: number,
  nextN: number,
  twoD: boolean,
): number {
  return twoD ? lens[b * nextN + t] : lens[b] - nextN + t + 1;
}
