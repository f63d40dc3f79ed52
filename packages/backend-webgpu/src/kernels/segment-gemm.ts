import type { KernelFn } from '@gemmkit/core';
import { indexExpr, loadExpr, storeStmt } from '../wgsl/common.js';
import { launchGemm } from './gemm-launch.js';
import { outputOf, runtimeOf } from './launch.js';
import { Params } from './params.js';

const OP = 'segmentGemm';

/**
 * Segment GEMM: one grid slice per segment. Each tile finds its segment's rows (indptr, or a prefix sum of
 * segLens) and weight; a segment outside [0, S] or a weight index outside [0, W) is skipped and raises the
 * status word.
 */
export const segmentGemm: KernelFn<'segmentGemm'> = (plan, args, kctx) => {
  const rt = runtimeOf(kctx);
  const out = outputOf(kctx, args.out, plan.dtype, plan.outShape);
  const p = new Params();
  const S = p.u32(plan.rows);
  const N = p.u32(plan.dOut);
  const K = p.u32(plan.dIn);
  const W = p.u32(plan.numWeights);
  const siteSeg = p.u32(rt.site(OP, plan.useIndptr ? 'segIndptr' : 'segLens', 'segment rows outside [0, S]'));
  const siteW = p.u32(rt.site(OP, 'weightIndices', 'weight index outside [0, W)'));
  const X = p.tensor(args.x);
  const Wt = p.tensor(args.weights);
  const O = p.tensor(out);
  const ptr = args.segIndptr ?? args.segLens!;
  const IP = p.tensor(ptr);
  const WI = args.weightIndices ? p.tensor(args.weightIndices) : null;
  const ix = (i: string) => indexExpr('IP', ptr.dtype, IP.at(i));
  const bounds = plan.useIndptr
    ? `let start = ${ix('bz')}; let end = ${ix('bz + 1u')};`
    : `var start = 0i;
  for (var i = 0u; i < bz; i++) { start = start + max(${ix('i')}, 0i); }
  let end = start + ${ix('bz')};`;
  const widx = WI ? indexExpr('WI', args.weightIndices!.dtype, WI.at('bz')) : 'i32(bz)';
  const wAt = plan.weightColumnMajor ? Wt.at('aux', 'n', 'k') : Wt.at('aux', 'k', 'n');
  const body = `
fn setup(bz: u32, m0: u32, n0: u32) -> vec4<u32> {
  ${bounds}
  let w = ${widx};
  let first = is_leader && m0 == 0u && n0 == 0u;
  if (start < 0i || end < start || end > i32(${S})) {
    if (first) { raise_status(${siteSeg}, bitcast<u32>(end)); }
    return vec4<u32>(0u, 0u, 0u, 0u);
  }
  if (w < 0i || w >= i32(${W})) {
    if (first) { raise_status(${siteW}, bitcast<u32>(w)); }
    return vec4<u32>(0u, 0u, 0u, 0u);
  }
  seg_start = u32(start);
  return vec4<u32>(u32(end - start), ${N}, ${K}, u32(w));
}
var<private> seg_start: u32;
fn loadA(bz: u32, aux: u32, m: u32, k: u32) -> f32 { return ${loadExpr('X', plan.dtype, X.at('seg_start + m', 'k'))}; }
fn loadB(bz: u32, aux: u32, k: u32, n: u32) -> f32 { return ${loadExpr('Wt', plan.dtype, wAt)}; }
fn storeC(bz: u32, aux: u32, m: u32, n: u32, acc: f32) { ${storeStmt('O', plan.dtype, O.at('seg_start + m', 'n'), 'acc')} }`;
  launchGemm(rt, {
    op: OP,
    operands: [
      { name: 'X', t: args.x, arg: `${OP}.x` },
      { name: 'Wt', t: args.weights, arg: `${OP}.weights` },
      { name: 'IP', t: ptr, arg: `${OP}.${plan.useIndptr ? 'segIndptr' : 'segLens'}` },
      ...(WI ? [{ name: 'WI', t: args.weightIndices!, arg: `${OP}.weightIndices` }] : []),
      { name: 'O', t: out, arg: `${OP}.out`, write: true, store: plan.dtype },
    ],
    params: p,
    body,
    maxM: plan.rows,
    maxN: plan.dOut,
    batches: plan.batchSize,
    bKContiguous: plan.weightColumnMajor,
    status: true,
  });
  return out;
};
