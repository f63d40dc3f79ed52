/**
 * One lightning-indexer logit in float64: Σ_h w[h] · relu(scale · Σ_d q[h, d]·k[d]).
 * `q` holds H rows of D values at `qOff`, `k` one key of D values at `kOff`, `w` H weights at `wOff`.
 * The q·k sums are exact (fp8 products, ≤ 128 terms); the scale, relu and weighted sum round in float64.
 */
export function indexerLogit(
  q: Float64Array,
  qOff: number,
  heads: number,
  dim: number,
  k: ArrayLike<number>,
  kOff: number,
  scale: number,
  w: Float64Array,
  wOff: number,
): number {
  let logit = 0;
  for (let h = 0; h < heads; h++) {
    const qh = qOff + h * dim;
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += q[qh + d] * k[kOff + d];
    const v = scale * dot;
    if (v > 0) logit += w[wOff + h] * v;
  }
  return logit;
}
