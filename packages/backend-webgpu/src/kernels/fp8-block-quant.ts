import type { DType, Tensor } from '@gemmkit/core';
import type { Runtime } from '../runtime/runtime.js';
import { WGSL_CODEC } from '../wgsl/codec.js';
import { declareBindings, loadExpr, WGSL_PARAMS } from '../wgsl/common.js';
import { WGSL_QUANT } from '../wgsl/quant.js';
import { bindOperands, grid1d } from './launch.js';
import { Params } from './params.js';

export interface Fp8BlockJob {
  op: string;
  /** `[M, K]` or `[B, M, K]` float input (any strides). */
  x: Tensor;
  batch: number;
  m: number;
  k: number;
  block: readonly [number, number];
  outDtype: 'e4m3' | 'e5m2';
  ue8m0: boolean;
  eps: number;
  /** Contiguous `[.., M, K]` FP8 output. */
  data: Tensor;
  /** `[.., ceil(M/bm), ceil(K/bk)]` view (any strides) of f32 or ue8m0 scales. */
  scale: Tensor;
  scaleDtype: 'f32' | 'ue8m0';
}

/**
 * One workgroup per (batch, row block, column block): max |x| by reduction, the scale by core's rule, then
 * each value divided by the scale and rounded to FP8 (nearest even, saturating).
 */
export function quantFp8Blocks(rt: Runtime, j: Fp8BlockJob): void {
  const p = new Params();
  const [bm, bk] = j.block;
  const x3 = j.x.rank === 3 ? j.x : j.x.unsqueeze(0);
  const s3 = j.scale.rank === 3 ? j.scale : j.scale.unsqueeze(0);
  const d3 = j.data.rank === 3 ? j.data : j.data.unsqueeze(0);
  const M = p.u32(j.m);
  const K = p.u32(j.k);
  const BM = p.u32(bm);
  const BK = p.u32(bk);
  const gm = Math.ceil(j.m / bm);
  const gk = Math.ceil(j.k / bk);
  const GM = p.u32(gm);
  const GK = p.u32(gk);
  const NB = p.u32(j.batch * gm * gk);
  const EPS = p.f32(j.eps);
  const X = p.tensor(x3);
  const D = p.tensor(d3);
  const S = p.tensor(s3);
  const fpMax = j.outDtype === 'e4m3' ? '448.0' : '57344.0';
  const enc = j.outDtype === 'e4m3' ? 'enc_e4m3' : 'enc_e5m2';
  const inDtype = j.x.dtype as DType;
  const storeScale =
    j.scaleDtype === 'f32'
      ? `SC[${S.at('b', 'bi', 'bj')}] = bitcast<u32>(s);`
      : `SC_put8(${S.at('b', 'bi', 'bj')}, u32(i32(round(log2(s))) + 127));`;
  const source = () => `${WGSL_PARAMS}
${declareBindings([
  { name: 'X', access: 'read' },
  { name: 'D', access: 'atomic' },
  { name: 'SC', access: j.scaleDtype === 'f32' ? 'write' : 'atomic' },
])}
${WGSL_CODEC}
${WGSL_QUANT}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let blk = wg.y * 65535u + wg.x;
  if (blk >= ${NB}) { return; }
  let b = blk / (${GM} * ${GK});
  let bi = (blk / ${GK}) % ${GM};
  let bj = blk % ${GK};
  let r0 = bi * ${BM};
  let c0 = bj * ${BK};
  let rows = min(${BM}, ${M} - r0);
  let cols = min(${BK}, ${K} - c0);
  let n = rows * cols;
  var amax = 0.0;
  for (var e = li; e < n; e += 256u) {
    let r = r0 + e / cols; let c = c0 + e % cols;
    amax = max(amax, abs(${loadExpr('X', inDtype, X.at('b', 'r', 'c'))}));
  }
  let s = fp8_scale(wg_max(li, amax), ${EPS}, ${fpMax}, ${j.ue8m0});
  if (li == 0u) { ${storeScale} }
  for (var e = li; e < n; e += 256u) {
    let r = r0 + e / cols; let c = c0 + e % cols;
    let v = ${loadExpr('X', inDtype, X.at('b', 'r', 'c'))};
    D_put8(${D.at('b', 'r', 'c')}, ${enc}(div_rn(v, s), true));
  }
}`;
  const ops = [
    { t: j.x, arg: `${j.op}.x` },
    { t: j.data, arg: `${j.op}.out`, write: true },
    { t: j.scale, arg: `${j.op}.outScale`, write: true },
  ];
  const bound = bindOperands(rt, ops, false);
  rt.dispatch({
    key: `fp8blocks|${inDtype}|${j.outDtype}|${j.ue8m0}|${j.scaleDtype}`,
    label: j.op,
    source,
    ...bound,
    params: p.words,
    groups: grid1d(j.batch * gm * gk),
  });
}
