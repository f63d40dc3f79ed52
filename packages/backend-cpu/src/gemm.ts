/**
 * out[i, j] = Σ_k a[i, k] · b[j, k] in float64 (both operands K-contiguous, "NT").
 * `a` is M×K at `aOff`, `b` is N×K at `bOff`, `out` is M×N at `outOff`, all row-major.
 * Four output columns share one pass over the A row (fewer loads), k runs in order so the
 * result does not depend on blocking: the same inputs give the same bits every time.
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
  for (let i = 0; i < m; i++) {
    const ar = aOff + i * k;
    const or = outOff + i * n;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const b0 = bOff + j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let p = 0; p < k; p++) {
        const x = a[ar + p];
        s0 += x * b[b0 + p];
        s1 += x * b[b1 + p];
        s2 += x * b[b2 + p];
        s3 += x * b[b3 + p];
      }
      out[or + j] = s0;
      out[or + j + 1] = s1;
      out[or + j + 2] = s2;
      out[or + j + 3] = s3;
    }
    for (; j < n; j++) {
      const b0 = bOff + j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ar + p] * b[b0 + p];
      out[or + j] = s;
    }
  }
}

/** Row-major [rows, cols] → [cols, rows] copy (to make B K-contiguous). */
export function transposeF64(src: Float64Array, off: number, rows: number, cols: number): Float64Array {
  const dst = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[c * rows + r] = src[off + r * cols + c];
  return dst;
}
