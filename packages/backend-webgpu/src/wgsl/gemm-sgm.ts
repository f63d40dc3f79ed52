import type { SubgroupMatrixSupport } from '../runtime/subgroup-matrix.js';
import { sgmLoad, sgmStore } from '../runtime/subgroup-matrix.js';
import { WGSL_CODEC } from './codec.js';
import { declareBindings, WGSL_INDEX, WGSL_PARAMS, WGSL_STATUS } from './common.js';
import type { GemmSpec } from './gemm.js';

/**
 * Tile of the subgroup-matrix GEMM: 16 x 16 outputs per workgroup (one subgroup). Measured on an H100
 * (Dawn, NVIDIA Vulkan): 16 beat 32 and 64 (2048³ f16: 3.1 vs 3.0 vs 1.8 TFLOP/s) — staging, not the
 * matrix multiply, bounds this path; see docs/webgpu.md.
 */
export const SGM_TILE = 16;

/**
 * The same GEMM family (same setup/loadA/loadB/storeC contract as wgsl/gemm.ts) on subgroup matrices:
 * loaders' values are rounded to f16 into workgroup tiles and multiplied by
 * `chromium-experimental-subgroup-matrix` with f32 results. A workgroup is exactly one subgroup, so every
 * matrix offset is workgroup-uniform (no assumption on how a driver groups invocations into subgroups), and
 * the result blocks of the tile stay in registers for the whole K loop.
 * Only for ops whose loaded values are exact in f16 (the launcher decides).
 */
export function gemmSgmSource(spec: GemmSpec, sgm: SubgroupMatrixSupport): string {
  const { M: cm, N: cn, K: ck } = sgm.config;
  const S = sgm.subgroupSize;
  const T = SGM_TILE;
  const BK = 2 * ck;
  const RM = T / cm;
  const RN = T / cn;
  const L = `subgroup_matrix_left<f16, ${ck}, ${cm}>`;
  const R = `subgroup_matrix_right<f16, ${cn}, ${ck}>`;
  const C = `subgroup_matrix_result<f32, ${cn}, ${cm}>`;
  const bLoad = spec.bKContiguous
    ? `let nn = idx / ${BK}u; let kk = idx % ${BK}u;`
    : `let kk = idx / ${T}u; let nn = idx % ${T}u;`;
  const blocks: [number, number][] = [];
  for (let i = 0; i < RM; i++) for (let j = 0; j < RN; j++) blocks.push([i, j]);
  const acc = blocks.map(([i, j]) => `  var c${i}_${j} = ${C}();`).join('\n');
  const steps: string[] = [];
  for (let s = 0; s < BK / ck; s++) {
    steps.push('    {'); // one scope per K sub-step: its a/b matrices are fresh names
    for (let j = 0; j < RN; j++)
      steps.push(`      let b${j} = ${sgmLoad(sgm.syntax, R, '&Bs', `${s * ck * T + j * cn}u`, `${T}u`)};`);
    for (let i = 0; i < RM; i++) {
      steps.push(`      let a${i} = ${sgmLoad(sgm.syntax, L, '&As', `${i * cm * BK + s * ck}u`, `${BK}u`)};`);
      for (let j = 0; j < RN; j++)
        steps.push(`      c${i}_${j} = subgroupMatrixMultiplyAccumulate(a${i}, b${j}, c${i}_${j});`);
    }
    steps.push('    }');
  }
  const stores = blocks
    .map(([i, j]) => `  ${sgmStore(sgm.syntax, '&Cs', `${i * cm * T + j * cn}u`, `c${i}_${j}`, `${T}u`)};`)
    .join('\n');
  return `enable f16;
enable chromium_experimental_subgroup_matrix;
${WGSL_PARAMS}
${declareBindings(spec.bindings)}
${WGSL_CODEC}
${WGSL_INDEX}
${spec.status ? WGSL_STATUS : ''}
${spec.body}

var<workgroup> As: array<f16, ${T * BK}>;   // [64][BK] row-major
var<workgroup> Bs: array<f16, ${BK * T}>;   // [BK][64] row-major
var<workgroup> Cs: array<f32, ${T * T}>;    // [64][64] row-major, the finished tile
var<workgroup> dims: array<u32, 4>;
var<private> is_leader: bool;

@compute @workgroup_size(${S}, 1, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let bz = wg.z;
  let m0 = wg.y * ${T}u;
  let n0 = wg.x * ${T}u;
  is_leader = li == 0u;
  let d = setup(bz, m0, n0);
  if (li == 0u) {
    dims[0] = d.x; dims[1] = d.y; dims[2] = d.z; dims[3] = d.w;
  }
  let du = workgroupUniformLoad(&dims);
  let M = du[0]; let N = du[1]; let K = du[2]; let aux = du[3];
  if (m0 >= M || n0 >= N) { return; }
${acc}
  for (var k0 = 0u; k0 < K; k0 += ${BK}u) {
    for (var idx = li; idx < ${T * BK}u; idx += ${S}u) {
      let mm = idx / ${BK}u; let kk = idx % ${BK}u;
      let gm = m0 + mm; let gk = k0 + kk;
      var v = 0.0;
      if (gm < M && gk < K) { v = loadA(bz, aux, gm, gk); }
      As[mm * ${BK}u + kk] = f16(v);
    }
    for (var idx = li; idx < ${T * BK}u; idx += ${S}u) {
      ${bLoad}
      let gn = n0 + nn; let gk = k0 + kk;
      var v = 0.0;
      if (gn < N && gk < K) { v = loadB(bz, aux, gk, gn); }
      Bs[kk * ${T}u + nn] = f16(v);
    }
    workgroupBarrier();
${steps.join('\n')}
    workgroupBarrier();
  }
${stores}
  workgroupBarrier();
  for (var idx = li; idx < ${T * T}u; idx += ${S}u) {
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
