import type { KernelFn } from '@gemmkit/core';
import { WGSL_CODEC } from '../wgsl/codec.js';
import { loadExpr, outAccess, storeStmt } from '../wgsl/common.js';
import { cdiv, outputOf, runtimeOf } from './launch.js';
import { launchMoe } from './moe-common.js';
import { Params } from './params.js';

/** One invocation per output element: f32 sum over the k slots in order, rounded once to the output dtype. */
export const moeUnpermute: KernelFn<'moeUnpermute'> = (plan, args, kctx) => {
  const rt = runtimeOf(kctx);
  const { tokens: T, k, rows: M, width: H } = plan;
  const out = outputOf(kctx, args.out, plan.outDtype, [T, H]);
  const n = T * H;
  if (n === 0) return out;
  const p = new Params();
  const N = p.u32(n);
  const PH = p.u32(H);
  const PK = p.u32(k);
  const PM = p.u32(M);
  const YO = p.u32(args.y.offset);
  const RO = p.u32(args.rowOf.offset);
  const WO = p.u32(args.topkWeights?.offset ?? 0);
  const OO = p.u32(out.offset);
  const site = p.u32(rt.site('moeUnpermute', 'rowOf', 'grouped row out of range (slot skipped)'));
  const weight = plan.weighted ? `bitcast<f32>(B2[${WO} + t * ${PK} + j])` : '1.0';
  const body = () => `${WGSL_CODEC}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = (wg.y * 65535u + wg.x) * 256u + li;
  if (i >= ${N}) { return; }
  let t = i / ${PH};
  let c = i % ${PH};
  var acc = 0.0;
  for (var j = 0u; j < ${PK}; j++) {
    let r = bitcast<i32>(B1[${RO} + t * ${PK} + j]);
    if (r == -1i) { continue; }
    if (r < 0i || u32(r) >= ${PM}) {
      if (c == 0u) { raise_status(${site}, bitcast<u32>(r)); }
      continue;
    }
    acc = fma(${weight}, ${loadExpr('B0', plan.inDtype, `${YO} + u32(r) * ${PH} + c`)}, acc);
  }
  ${storeStmt('B3', plan.outDtype, `${OO} + i`, 'acc')}
}`;
  launchMoe(rt, {
    key: `moeUnpermute|${plan.inDtype}|${plan.outDtype}|${plan.weighted}`,
    label: 'moeUnpermute',
    operands: [
      { t: args.y, arg: 'moeUnpermute.y', access: 'read' },
      { t: args.rowOf, arg: 'moeUnpermute.rowOf', access: 'read' },
      { t: args.topkWeights ?? args.rowOf, arg: 'moeUnpermute.topkWeights', access: 'read' },
      { t: out, arg: 'moeUnpermute.out', write: true, access: outAccess(plan.outDtype) },
    ],
    status: true,
    body,
    params: p.words,
    groups: cdiv(n, 256),
  });
  return out;
};
