import type { SubgroupMatrixSupport } from '../runtime/subgroup-matrix.js';
import { sgmLoad, sgmStore } from '../runtime/subgroup-matrix.js';
import { WGSL_CODEC } from './codec.js';
import { declareBindings, WGSL_INDEX, WGSL_PARAMS, WGSL_STATUS } from './common.js';
import type { GemmSpec } from './gemm.js';

/**
 * Shape of one subgroup-matrix GEMM variant: a workgroup computes a bm x bn output tile with wm x wn
 * subgroups (each owns a (bm/wm) x (bn/wn) block of the tile, a grid of adapter-sized result matrices),
 * stepping K by bk. Staged rows are padded by `pad` f16 (a multiple of 8 keeps every matrix row 16-byte
 * aligned) to spread workgroup-memory banks.
 */
export interface SgmTile {
  bm: number;
  bn: number;
  bk: number;
  wm: number;
  wn: number;
  pad: number;
}

/** The variant used when `webgpu({ subgroupMatrix: true })` names none. */
export const DEFAULT_SGM_TILE = '64x64';

/**
 * Parse a variant name: `BMxBN` with an optional subgroup grid `/WMxWN`, `kBK` and `pBAD` suffixes, e.g.
 * "64x64" (2x2 subgroups), "128x128" (2x4), "128x128/2x2", "16x16" (one subgroup: the first design).
 * Returns null for anything malformed.
 */
export function parseSgmTile(name: string): SgmTile | null {
  const m = /^(\d+)x(\d+)(?:\/(\d+)x(\d+))?(?:k(\d+))?(?:p(\d+))?$/.exec(name.trim());
  if (!m) return null;
  const bm = Number(m[1]);
  const bn = Number(m[2]);
  // Default grids: 2 subgroups down M once the tile has 32 rows; 2 or 4 across N.
  const wm = m[3] ? Number(m[3]) : bm >= 32 ? 2 : 1;
  const wn = m[4] ? Number(m[4]) : bn >= 128 ? 4 : bn >= 32 ? 2 : 1;
  const bk = m[5] ? Number(m[5]) : 32;
  const pad = m[6] ? Number(m[6]) : bm === 16 && bn === 16 ? 0 : 8;
  if (![bm, bn, wm, wn, bk].every((x) => Number.isInteger(x) && x > 0) || pad % 8 !== 0) return null;
  if (bm % (16 * wm) || bn % (16 * wn) || bk % 16) return null;
  return { bm, bn, bk, wm, wn, pad };
}

export const sgmTileName = (t: SgmTile) => `${t.bm}x${t.bn}/${t.wm}x${t.wn}k${t.bk}p${t.pad}`;

/** Workgroup invocations and workgroup-memory bytes of a variant for an adapter (to check its limits). */
export function sgmTileCost(t: SgmTile, sgm: Omit<SubgroupMatrixSupport, 'tile'>) {
  const { M: cm, N: cn } = sgm.config;
  const subgroups = t.wm * t.wn;
  const bytes = 2 * t.bm * (t.bk + t.pad) + 2 * t.bk * (t.bn + t.pad) + 4 * subgroups * cm * cn + 16 + 4;
  return { invocations: subgroups * sgm.subgroupSize, bytes };
}

/** Why a variant cannot run with this adapter config (null: it can). */
export function sgmTileProblem(t: SgmTile, sgm: Omit<SubgroupMatrixSupport, 'tile'>): string | null {
  const { M: cm, N: cn, K: ck } = sgm.config;
  if (t.bm % (t.wm * cm) || t.bn % (t.wn * cn) || t.bk % ck)
    return `tile ${sgmTileName(t)} is not a grid of ${cm}x${cn}x${ck} matrices`;
  return null;
}

/**
 * The same GEMM family (same setup/loadA/loadB/storeC contract as wgsl/gemm.ts) on subgroup matrices:
 * loaders' values are rounded to f16 into workgroup tiles and multiplied by
 * `chromium-experimental-subgroup-matrix` with f32 results. Only for ops whose loaded values are exact in
 * f16 (the launcher decides).
 *
 * A workgroup holds wm·wn subgroups. Drivers need not form subgroups from contiguous invocation indices
 * (NVIDIA does not), so a subgroup's id is not derived from `local_invocation_index`: one elected lane per
 * subgroup takes a ticket from a workgroup atomic counter and the subgroup agrees on it (subgroupMax of
 * the ticket and zeros), giving ids 0..wm·wn-1 in some order. Every matrix offset derives from that id, so
 * it is subgroup-uniform; Tint only proves workgroup uniformity, hence the diagnostic opt-out. The
 * self-test at backend creation checks the result bit for bit before the path is used.
 *
 * Per K step all invocations stage the A (bm x bk) and B (bk x bn) tiles as f16; each subgroup then keeps
 * its result matrices in registers across the whole K loop. The epilogue goes one result matrix per
 * subgroup at a time through a per-subgroup workgroup region, from which all invocations call storeC.
 */
export function gemmSgmSource(spec: GemmSpec, sgm: SubgroupMatrixSupport): string {
  const { M: cm, N: cn, K: ck } = sgm.config;
  const S = sgm.subgroupSize;
  const { bm: BM, bn: BN, bk: BK, wm: WM, wn: WN, pad } = sgm.tile;
  const problem = sgmTileProblem(sgm.tile, sgm);
  if (problem) throw new Error(problem);
  const NSG = WM * WN;
  const WG = NSG * S;
  const SM = BM / WM; // rows of the tile one subgroup owns
  const SN = BN / WN;
  const RM = SM / cm; // its result matrices down M and across N
  const RN = SN / cn;
  const AST = BK + pad; // row strides (f16 elements) of the staged tiles
  const BST = BN + pad;
  const CSZ = cm * cn; // one result matrix, f32
  const L = `subgroup_matrix_left<f16, ${ck}, ${cm}>`;
  const R = `subgroup_matrix_right<f16, ${cn}, ${ck}>`;
  const C = `subgroup_matrix_result<f32, ${cn}, ${cm}>`;
  const bLoad = spec.bKContiguous
    ? `let nn = idx / ${BK}u; let kk = idx % ${BK}u;`
    : `let kk = idx / ${BN}u; let nn = idx % ${BN}u;`;
  const blocks: [number, number][] = [];
  for (let i = 0; i < RM; i++) for (let j = 0; j < RN; j++) blocks.push([i, j]);
  const acc = blocks.map(([i, j]) => `  var c${i}_${j} = ${C}();`).join('\n');
  const steps: string[] = [];
  for (let s = 0; s < BK / ck; s++) {
    steps.push('    {'); // one scope per K sub-step: its a/b matrices are fresh names
    for (let j = 0; j < RN; j++)
      steps.push(
        `      let b${j} = ${sgmLoad(sgm.syntax, R, '&Bs', `b_base + ${s * ck * BST + j * cn}u`, `${BST}u`)};`,
      );
    for (let i = 0; i < RM; i++) {
      steps.push(
        `      let a${i} = ${sgmLoad(sgm.syntax, L, '&As', `a_base + ${i * cm * AST + s * ck}u`, `${AST}u`)};`,
      );
      for (let j = 0; j < RN; j++)
        steps.push(`      c${i}_${j} = subgroupMatrixMultiplyAccumulate(a${i}, b${j}, c${i}_${j});`);
    }
    steps.push('    }');
  }
  // One round per result matrix of a subgroup: every subgroup parks matrix (i, j) in its region, then all
  // invocations write all regions out with bounds checks.
  const rounds = blocks
    .map(
      ([i, j]) => `  ${sgmStore(sgm.syntax, '&Cs', `c_base`, `c${i}_${j}`, `${cn}u`)};
  workgroupBarrier();
  for (var idx = li; idx < ${NSG * CSZ}u; idx += ${WG}u) {
    let r = idx / ${CSZ}u; let e = idx % ${CSZ}u;
    let gm = m0 + (r / ${WN}u) * ${SM}u + ${i * cm}u + e / ${cn}u;
    let gn = n0 + (r % ${WN}u) * ${SN}u + ${j * cn}u + e % ${cn}u;
    if (gm < M && gn < N) { storeC(bz, aux, gm, gn, Cs[idx]); }
  }
  workgroupBarrier();`,
    )
    .join('\n');
  return `enable f16;
enable subgroups;
enable chromium_experimental_subgroup_matrix;
// Matrix offsets derive from the subgroup id (uniform per subgroup, not per workgroup, which is all Tint's
// analysis can prove); the self-test checks the path bit for bit before it is used.
diagnostic(off, chromium.subgroup_matrix_uniformity);
${WGSL_PARAMS}
${declareBindings(spec.bindings)}
${WGSL_CODEC}
${WGSL_INDEX}
${spec.status ? WGSL_STATUS : ''}
${spec.body}

// sgm tile ${BM}x${BN}, K step ${BK}, ${WM}x${WN} subgroups of ${S}, ${RM}x${RN} result matrices each
var<workgroup> As: array<f16, ${BM * AST}>;   // [${BM}][${AST}] row-major (A rows, K fastest)
var<workgroup> Bs: array<f16, ${BK * BST}>;   // [${BK}][${BST}] row-major (K rows, N fastest)
var<workgroup> Cs: array<f32, ${NSG * CSZ}>;  // one ${cm}x${cn} result matrix per subgroup (epilogue)
var<workgroup> dims: array<u32, 4>;
var<workgroup> sg_tickets: atomic<u32>;
var<private> is_leader: bool;

@compute @workgroup_size(${WG}, 1, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let bz = wg.z;
  let m0 = wg.y * ${BM}u;
  let n0 = wg.x * ${BN}u;
  is_leader = li == 0u;
  let d = setup(bz, m0, n0);
  if (li == 0u) {
    dims[0] = d.x; dims[1] = d.y; dims[2] = d.z; dims[3] = d.w;
    atomicStore(&sg_tickets, 0u);
  }
  // The barrier inside workgroupUniformLoad also orders the counter reset before any ticket is taken.
  let du = workgroupUniformLoad(&dims);
  let M = du[0]; let N = du[1]; let K = du[2]; let aux = du[3];
  if (m0 >= M || n0 >= N) { return; }
  // Subgroup id: one ticket per subgroup, agreed on by every lane whichever lane drew it.
  var ticket = 0u;
  if (subgroupElect()) { ticket = atomicAdd(&sg_tickets, 1u); }
  let sid = subgroupMax(ticket);
  let a_base = (sid / ${WN}u) * ${SM * AST}u;
  let b_base = (sid % ${WN}u) * ${SN}u;
  let c_base = sid * ${CSZ}u;
${acc}
  for (var k0 = 0u; k0 < K; k0 += ${BK}u) {
    for (var idx = li; idx < ${BM * BK}u; idx += ${WG}u) {
      let mm = idx / ${BK}u; let kk = idx % ${BK}u;
      let gm = m0 + mm; let gk = k0 + kk;
      var v = 0.0;
      if (gm < M && gk < K) { v = loadA(bz, aux, gm, gk); }
      As[mm * ${AST}u + kk] = f16(v);
    }
    for (var idx = li; idx < ${BK * BN}u; idx += ${WG}u) {
      ${bLoad}
      let gn = n0 + nn; let gk = k0 + kk;
      var v = 0.0;
      if (gn < N && gk < K) { v = loadB(bz, aux, gk, gn); }
      Bs[kk * ${BST}u + nn] = f16(v);
    }
    workgroupBarrier();
${steps.join('\n')}
    workgroupBarrier();
  }
${rounds}
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
