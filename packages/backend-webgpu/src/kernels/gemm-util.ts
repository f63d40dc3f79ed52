/** Rows per invocation of the GEMM family for a problem with `m` rows: small M wastes fewer lanes. */
export function pickTm(m: number): 1 | 2 | 4 {
  if (m <= 16) return 1;
  if (m <= 32) return 2;
  return 4;
}
