import { WGSL_CODEC } from './codec.js';
import { type BindingDecl, declareBindings, WGSL_INDEX, WGSL_PARAMS, WGSL_STATUS } from './common.js';

/**
 * The one GEMM kernel family shared by every GEMM-like op: a register-tiled f32 kernel (runs on any
 * adapter, lavapipe included). An op specializes it with WGSL snippets that say how to find its problem
 * and how to read and write its operands:
 *
 *   fn setup(bz: u32, m0: u32, n0: u32) -> vec4<u32>   // (M, N, K, aux) of batch `bz` for the tile at (m0, n0)
 *   fn loadA(bz: u32, aux: u32, m: u32, k: u32) -> f32  // decoded, scaled A[m, k]; m < M, k < K
 *   fn loadB(bz: u32, aux: u32, k: u32, n: u32) -> f32  // decoded, scaled B[k, n]
 *   fn storeC(bz: u32, aux: u32, m: u32, n: u32, acc: f32)  // epilogue; m < M, n < N
 *
 * `setup` runs in every invocation (it may set private variables the loaders use); invocation 0's result is
 * broadcast with workgroupUniformLoad, so values read from index buffers may drive the K loop and barriers.
 * Status reports from setup should be guarded by `is_leader`. A tile whose rows start at or past M does nothing.
 * Workgroup: 16 x 16 invocations, each computing TM x TN outputs (rows ty + 16 i, columns tx + 16 j).
 */
export interface GemmSpec {
  /** Unique cache key of this specialization (op + dtypes + variant). */
  key: string;
  bindings: readonly BindingDecl[];
  /** WGSL defining setup, loadA, loadB, storeC (and any helpers). */
  body: string;
  /** Rows per invocation (1, 2 or 4): 4 for large M, 1 for small M. */
  tm: 1 | 2 | 4;
  /** B is stored K-contiguous ([N, K], "NT") — loads walk k fastest for coalescing. */
  bKContiguous: boolean;
  /** The body uses raise_status (needs a binding named `status`, access 'atomic'). */
  status?: boolean;
  /** The body defines `fn tileDone(bz, aux, m0, n0, M)`, run by one invocation after the tile is stored. */
  tileDone?: boolean;
}

export const GEMM_TN = 4;
export const GEMM_BK = 16;
export const gemmTile = (tm: number) => ({ bm: 16 * tm, bn: 16 * GEMM_TN });

export function gemmSource(spec: GemmSpec): string {
  const TM = spec.tm;
  const TN = GEMM_TN;
  const BK = GEMM_BK;
  const BM = 16 * TM;
  const BN = 16 * TN;
  const bLoad = spec.bKContiguous
    ? `let nn = idx / ${BK}u; let kk = idx % ${BK}u;`
    : `let kk = idx / ${BN}u; let nn = idx % ${BN}u;`;
  return `${WGSL_PARAMS}
${declareBindings(spec.bindings)}
${WGSL_CODEC}
${WGSL_INDEX}
${spec.status ? WGSL_STATUS : ''}
${spec.body}

var<workgroup> As: array<f32, ${BK * BM}>;
var<workgroup> Bs: array<f32, ${BK * BN}>;
var<workgroup> dims: array<u32, 4>;
// True in one invocation per workgroup: status reports from setup come from it alone.
var<private> is_leader: bool;

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let bz = wg.z;
  let m0 = wg.y * ${BM}u;
  let n0 = wg.x * ${BN}u;
  is_leader = li == 0u;
  let d = setup(bz, m0, n0);
  if (li == 0u) { dims[0] = d.x; dims[1] = d.y; dims[2] = d.z; dims[3] = d.w; }
  let du = workgroupUniformLoad(&dims);
  let M = du[0];
  let N = du[1];
  let K = du[2];
  let aux = du[3];
  if (m0 >= M || n0 >= N) { return; }
  var acc: array<array<f32, ${TN}>, ${TM}>;
  for (var i = 0u; i < ${TM}u; i++) { for (var j = 0u; j < ${TN}u; j++) { acc[i][j] = 0.0; } }
  for (var k0 = 0u; k0 < K; k0 += ${BK}u) {
    for (var idx = li; idx < ${BM * BK}u; idx += 256u) {
      let mm = idx / ${BK}u; let kk = idx % ${BK}u;
      let gm = m0 + mm; let gk = k0 + kk;
      var v = 0.0;
      if (gm < M && gk < K) { v = loadA(bz, aux, gm, gk); }
      As[kk * ${BM}u + mm] = v;
    }
    for (var idx = li; idx < ${BN * BK}u; idx += 256u) {
      ${bLoad}
      let gn = n0 + nn; let gk = k0 + kk;
      var v = 0.0;
      if (gn < N && gk < K) { v = loadB(bz, aux, gk, gn); }
      Bs[kk * ${BN}u + nn] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${BK}u; kk++) {
      var a: array<f32, ${TM}>;
      var b: array<f32, ${TN}>;
      for (var i = 0u; i < ${TM}u; i++) { a[i] = As[kk * ${BM}u + lid.y + 16u * i]; }
      for (var j = 0u; j < ${TN}u; j++) { b[j] = Bs[kk * ${BN}u + lid.x + 16u * j]; }
      for (var i = 0u; i < ${TM}u; i++) {
        for (var j = 0u; j < ${TN}u; j++) { acc[i][j] = fma(a[i], b[j], acc[i][j]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < ${TM}u; i++) {
    let gm = m0 + lid.y + 16u * i;
    for (var j = 0u; j < ${TN}u; j++) {
      let gn = n0 + lid.x + 16u * j;
      if (gm < M && gn < N) { storeC(bz, aux, gm, gn, acc[i][j]); }
    }
  }
${
  spec.tileDone
    ? `  // Every store of the tile happens-before the signal (release order for a consumer of the counter).
  storageBarrier();
  workgroupBarrier();
  if (li == 0u) { tileDone(bz, aux, m0, n0, M); }`
    : ''
}
}
`;
}
