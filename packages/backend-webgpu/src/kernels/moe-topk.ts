import type { KernelFn } from '@gemmkit/core';
import { WGSL_CODEC } from '../wgsl/codec.js';
import { loadExpr } from '../wgsl/common.js';
import { cdiv, outputOf, runtimeOf } from './launch.js';
import { launchMoe } from './moe-common.js';
import { Params } from './params.js';

/**
 * One invocation per token: softmax/sigmoid scores in f32, then k selection sweeps, each taking the best
 * (key, id) strictly after the previous pick in the order (key desc, id asc) — no per-token scratch, ties to
 * the lower id. Without bias the key is the logit itself, so the selection is exact.
 */
export const moeTopk: KernelFn<'moeTopk'> = (plan, args, kctx) => {
  const rt = runtimeOf(kctx);
  const { tokens: T, experts: E, k } = plan;
  const topkIds = outputOf(kctx, args.outIds, 'i32', [T, k]);
  const topkWeights = outputOf(kctx, args.outWeights, 'f32', [T, k]);
  if (T === 0) return { topkIds, topkWeights };
  const p = new Params();
  const PT = p.u32(T);
  const PE = p.u32(E);
  const PK = p.u32(k);
  const SCALE = p.f32(plan.scale);
  const G = p.u32(plan.numGroups);
  const TG = p.u32(plan.topkGroup);
  const PER = p.u32(plan.experts / plan.numGroups);
  const LO = p.u32(args.logits.offset);
  const BO = p.u32(args.bias?.offset ?? 0);
  const IO = p.u32(topkIds.offset);
  const WO = p.u32(topkWeights.offset);
  const siteL = p.u32(rt.site('moeTopk', 'logits', 'non-finite router logit'));
  const siteB = p.u32(rt.site('moeTopk', 'bias', 'non-finite bias'));
  const logit = (i: string) => loadExpr('B0', plan.inDtype, `${LO} + ${i}`);
  const softmax = plan.scoring === 'softmax';
  const body = () => `${WGSL_CODEC}
fn nonfinite(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) >= 0x7f800000u; }
fn score(row: u32, e: u32, mx: f32, sum: f32) -> f32 {
  let v = ${logit('row + e')};
  ${softmax ? 'return exp(v - mx) / sum;' : 'return 1.0 / (1.0 + exp(-v));'}
}
fn key(row: u32, e: u32, mx: f32, sum: f32) -> f32 {
  ${plan.hasBias ? `return score(row, e, mx, sum) + bitcast<f32>(B1[${BO} + e]);` : `return ${logit('row + e')};`}
}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let t = (wg.y * 65535u + wg.x) * 64u + li;
  if (t >= ${PT}) { return; }
  let row = t * ${PE};
  // Non-finite inputs would make the selection meaningless: flag them (E_RANGE at the next sync).
  for (var e = 0u; e < ${PE}; e++) {
    if (nonfinite(${logit('row + e')})) { raise_status(${siteL}, e); }
    ${plan.hasBias ? `if (nonfinite(bitcast<f32>(B1[${BO} + e]))) { raise_status(${siteB}, e); }` : ''}
  }
  var mx = bitcast<f32>(0xff7fffffu);
  var sum = 0.0;
  ${
    softmax
      ? `for (var e = 0u; e < ${PE}; e++) { mx = max(mx, ${logit('row + e')}); }
  for (var e = 0u; e < ${PE}; e++) { sum += exp(${logit('row + e')} - mx); }`
      : ''
  }
  // Group-limited routing: a bit per allowed group (the TG best by score, lower id on ties).
  var allowed = 0xffffffffu;
  if (${TG} < ${G}) {
    var gs: array<f32, 32>;
    for (var g = 0u; g < ${G}; g++) {
      var b1 = bitcast<f32>(0xff7fffffu);
      var b2 = b1;
      for (var i = 0u; i < ${PER}; i++) {
        let v = key(row, g * ${PER} + i, mx, sum);
        if (v > b1) { b2 = b1; b1 = v; } else if (v > b2) { b2 = v; }
      }
      gs[g] = ${plan.hasBias ? `select(b1, b1 + b2, ${PER} > 1u)` : 'b1'};
    }
    allowed = 0u;
    for (var g = 0u; g < ${G}; g++) {
      var rank = 0u;
      for (var h = 0u; h < ${G}; h++) { if (gs[h] > gs[g] || (gs[h] == gs[g] && h < g)) { rank++; } }
      if (rank < ${TG}) { allowed = allowed | (1u << g); }
    }
  }
  var pk = 0.0;
  var pid = -1i;
  var picked = 0.0;
  for (var j = 0u; j < ${PK}; j++) {
    var bk = 0.0;
    var bid = -1i;
    for (var e = 0u; e < ${PE}; e++) {
      if (((allowed >> (e / ${PER})) & 1u) == 0u) { continue; }
      let v = key(row, e, mx, sum);
      let after = pid < 0i || v < pk || (v == pk && i32(e) > pid);
      if (after && (bid < 0i || v > bk)) { bk = v; bid = i32(e); }
    }
    pk = bk;
    pid = bid;
    B2[${IO} + t * ${PK} + j] = bitcast<u32>(bid);
    picked += score(row, u32(bid), mx, sum);
  }
  for (var j = 0u; j < ${PK}; j++) {
    let e = bitcast<u32>(B2[${IO} + t * ${PK} + j]);
    let s = score(row, e, mx, sum);
    B3[${WO} + t * ${PK} + j] = bitcast<u32>(${plan.renormalize ? 's / picked' : 's'} * ${SCALE});
  }
}`;
  launchMoe(rt, {
    key: `moeTopk|${plan.inDtype}|${plan.scoring}|${plan.renormalize}|${plan.hasBias}`,
    label: 'moeTopk',
    operands: [
      { t: args.logits, arg: 'moeTopk.logits', access: 'read' },
      { t: args.bias ?? args.logits, arg: 'moeTopk.bias', access: 'read' },
      { t: topkIds, arg: 'moeTopk.outIds', write: true, access: 'write' },
      { t: topkWeights, arg: 'moeTopk.outWeights', write: true, access: 'write' },
    ],
    status: true,
    body,
    params: p.words,
    groups: cdiv(T, 64),
  });
  return { topkIds, topkWeights };
};
