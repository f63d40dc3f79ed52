import type { SubgroupMatrixSupport } from '../runtime/subgroup-matrix.js';
import { sgmLoad, sgmStore } from '../runtime/subgroup-matrix.js';
import { WGSL_CODEC } from './codec.js';
import { declareBindings, WGSL_INDEX, WGSL_PARAMS, WGSL_STATUS } from './common.js';
import type { GemmSpec } from './gemm.js';

/** Tile of the subgroup-matrix GEMM: 64 x 64 outputs per workgroup of 256 invocations. */
export const SGM_TILE = 64;

/**
 * The same GEMM family (same setup/loadA/loadB/storeC contract as wgsl/gemm.ts) on subgroup matrices:
 * loaders' values are rounded to f16 into workgroup tiles, multiplied by `chromium-experimental-subgroup-matrix`
 * with f32 results. The f32 accumulator tile lives in workgroup memory: each subgroup loads its result blocks,
 * accumulates one K step and stores them back, so matrix calls stay in uniform control flow whatever the
 * subgroup size (the per-subgroup block count is broadcast with workgroupUniformLoad).
 * Only for ops whose loaded values are exact in f16 (the launcher decides).
 */
export function gemmSgmSource(spec: GemmSpec, sgm: SubgroupMatrixSupport): string {
  const { M: cm, N: cn, K: ck } = sgm.config;
  const T = SGM_TILE;
  const BK = ck;
  const blocks = (T / cm) * (T / cn);
  const L = `subgroup_matrix_left<f16, ${ck}, ${cm}>`;
  const R = `subgroup_matrix_right<f16, ${cn}, ${ck}>`;
  const C = `subgroup_matrix_result<f32, ${cn}, ${cm}>`;
  const bLoad = spec.bKContiguous
    ? `let nn = idx / ${BK}u; let kk = idx % ${BK}u;`
    : `let kk = idx / ${T}u; let nn = idx % ${T}u;`;
  // Offsets derive from the subgroup index (li / sgSize): uniform per subgroup, which Tint's analysis cannot
  // see (it only knows workgroup uniformity) — the self-test checks the path bit for bit before it is used.
  return `enable f16;
enable subgroups;
enable chromium_experimental_subgroup_matrix;
diagnostic(off, chromium.subgroup_matrix_uniformity);
${WGSL_PARAMS}
${declareBindings(spec.bindings)}
${WGSL_CODEC}
${WGSL_INDEX}
${spec.status ? WGSL_STATUS : ''}
${spec.body}

var<workgroup> As: array<f16, ${T * BK}>;   // [64][BK] row-major
var<workgroup> Bs: array<f16, ${BK * T}>;   // [BK][64] row-major
var<workgroup> Cs: array<f32, ${T * T + cm * T}>; // [64][64] row-major + a scratch block row
var<workgroup> dims: array<u32, 4>;
var<workgroup> perSg: u32;
var<private> is_leader: bool;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32,
        @builtin(subgroup_size) sgSize: u32) {
  let bz = wg.z;
  let m0 = wg.y * ${T}u;
  let n0 = wg.x * ${T}u;
  is_leader = li == 0u;
  let d = setup(bz, m0, n0);
  if (li == 0u) {
    dims[0] = d.x; dims[1] = d.y; dims[2] = d.z; dims[3] = d.w;
    perSg = (${blocks}u + (256u / sgSize) - 1u) / (256u / sgSize);
  }
  let du = workgroupUniformLoad(&dims);
  let count = workgroupUniformLoad(&perSg);
  let M = du[0]; let N = du[1]; let K = du[2]; let aux = du[3];
  if (m0 >= M || n0 >= N) { return; }
  for (var i = li; i < ${T * T}u; i += 256u) { Cs[i] = 0.0; }
  let nsg = 256u / sgSize;
  let sg = li / sgSize;
  for (var k0 = 0u; k0 < K; k0 += ${BK}u) {
    for (var idx = li; idx < ${T * BK}u; idx += 256u) {
      let mm = idx / ${BK}u; let kk = idx % ${BK}u;
      let gm = m0 + mm; let gk = k0 + kk;
      var v = 0.0;
      if (gm < M && gk < K) { v = loadA(bz, aux, gm, gk); }
      As[mm * ${BK}u + kk] = f16(v);
    }
    for (var idx = li; idx < ${T * BK}u; idx += 256u) {
      ${bLoad}
      let gn = n0 + nn; let gk = k0 + kk;
      var v = 0.0;
      if (gn < N && gk < K) { v = loadB(bz, aux, gk, gn); }
      Bs[kk * ${T}u + nn] = f16(v);
    }
    workgroupBarrier();
    for (var r = 0u; r < count; r++) {
      // Subgroups past the last block redo block 0's arithmetic and discard it.
      let blkRaw = sg + r * nsg;
      let blk = select(0u, blkRaw, blkRaw < ${blocks}u);
      let bm = blk / ${T / cn}u; let bn = blk % ${T / cn}u;
      let cOff = bm * ${cm}u * ${T}u + bn * ${cn}u;
      let a = ${sgmLoad(sgm.syntax, L, '&As', `bm * ${cm}u * ${BK}u`, `${BK}u`)};
      let b = ${sgmLoad(sgm.syntax, R, '&Bs', `bn * ${cn}u`, `${T}u`)};
      var c = ${sgmLoad(sgm.syntax, C, '&Cs', 'cOff', `${T}u`)};
      c = subgroupMatrixMultiplyAccumulate(a, b, c);
      // Matrix calls stay in uniform control flow: a subgroup without a block stores into the scratch row.
      let sOff = select(${T * T}u, cOff, blkRaw < ${blocks}u);
      workgroupBarrier();
      ${sgmStore(sgm.syntax, '&Cs', 'sOff', 'c', `${T}u`)};
      workgroupBarrier();
    }
  }
  workgroupBarrier();
  for (var idx = li; idx < ${T * T}u; idx += 256u) {
    let gm = m0 + idx / ${T}u; let gn = n0 + idx % ${T}u;
    if (gm < M && gn < N) { storeC(bz, aux, gm, gn, Cs[idx]); }
  }
${
  spec.tileDone
    ? `  storageBarrier();
  workgroupBarrier();
  if (li == 0u) { tileDone(bz, aux, m0, n0, M); }`
    : ''
}
}
`;
}
