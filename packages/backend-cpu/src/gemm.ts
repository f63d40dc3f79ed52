/** K-tile and N-tile sizes: a 64 x 256 float64 tile of B (128 KiB) stays in L2 while every row of A passes. */
const KC = 256;
const NC = 64;

/**
 * out[i, j] = Σ_k a[i, k] · b[j, k] in float64 (both operands K-contiguous, "NT").
 * `a` is M×K at `aOff`, `b` is N×K at `bOff`, `out` is M×N at `outOff`, all row-major.
 * Blocked over N and K for cache reuse, 2 rows × 4 columns per register block. Each output's sum still
 * runs over k in increasing order from 0 (a K tile resumes from the partial sum stored in `out`), so the
 * result is the plain sequential dot product, bit for bit, whatever the blocking.
 */
export function gemmF64(
  a: Float64Array,
  aOff: number,
  b: Float64Array,
  bOff: number,
  m: number,
  n: number,
  k: number,
  out: Float64Array,
  outOff: number,
): void {
  for (let i = 0; i < m; i++) out.fill(0, outOff + i * n, outOff + i * n + n);
  for (let j0 = 0; j0 < n; j0 += NC) {
    const j1 = Math.min(n, j0 + NC);
    for (let k0 = 0; k0 < k; k0 += KC) {
      const k1 = Math.min(k, k0 + KC);
      let i = 0;
      for (; i + 2 <= m; i += 2) {
        const a0 = aOff + i * k;
        const a1 = a0 + k;
        const o0 = outOff + i * n;
        const o1 = o0 + n;
        let j = j0;
        for (; j + 4 <= j1; j += 4) {
          const b0 = bOff + j * k;
          const b1 = b0 + k;
          const b2 = b1 + k;
          const b3 = b2 + k;
          let s00 = out[o0 + j];
          let s01 = out[o0 + j + 1];
          let s02 = out[o0 + j + 2];
          let s03 = out[o0 + j + 3];
          let s10 = out[o1 + j];
          let s11 = out[o1 + j + 1];
          let s12 = out[o1 + j + 2];
          let s13 = out[o1 + j + 3];
          for (let p = k0; p < k1; p++) {
            const x0 = a[a0 + p];
            const x1 = a[a1 + p];
            const y0 = b[b0 + p];
            const y1 = b[b1 + p];
            const y2 = b[b2 + p];
            const y3 = b[b3 + p];
            s00 += x0 * y0;
            s01 += x0 * y1;
            s02 += x0 * y2;
            s03 += x0 * y3;
            s10 += x1 * y0;
            s11 += x1 * y1;
            s12 += x1 * y2;
            s13 += x1 * y3;
          }
          out[o0 + j] = s00;
          out[o0 + j + 1] = s01;
          out[o0 + j + 2] = s02;
          out[o0 + j + 3] = s03;
          out[o1 + j] = s10;
          out[o1 + j + 1] = s11;
          out[o1 + j + 2] = s12;
          out[o1 + j + 3] = s13;
        }
        for (; j < j1; j++) {
          const b0 = bOff + j * k;
          let s0 = out[o0 + j];
          let s1 = out[o1 + j];
          for (let p = k0; p < k1; p++) {
            s0 += a[a0 + p] * b[b0 + p];
            s1 += a[a1 + p] * b[b0 + p];
          }
          out[o0 + j] = s0;
          out[o1 + j] = s1;
        }
      }
      for (; i < m; i++) {
        const a0 = aOff + i * k;
        const o0 = outOff + i * n;
        for (let j = j0; j < j1; j++) {
          const b0 = bOff + j * k;
          let s = out[o0 + j];
          for (let p = k0; p < k1; p++) s += a[a0 + p] * b[b0 + p];
          out[o0 + j] = s;
        }
      }
    }
  }
}

/** Row-major [rows, cols] → [cols, rows] copy (to make B K-contiguous). */
export function transposeF64(src: Float64Array, off: number, rows: number, cols: number): Float64Array {
  const dst = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[c * rows + r] = src[off + r * cols + c];
  return dst;
}
