import type { KernelFn } from '@gemmkit/core';
import { WGSL_CODEC } from '../wgsl/codec.js';
import { loadExpr } from '../wgsl/common.js';
import { WGSL_QUANT } from '../wgsl/quant.js';
import { outputOf, runtimeOf } from './launch.js';
import { launchMoe } from './moe-common.js';
import { Params } from './params.js';

/**
 * One 256-lane workgroup per (row, group): y = silu(gate)·up in f32 (computed twice: once for the amax,
 * once for the codes, so nothing is stored in between), the scale by core's rule, codes RNE saturating.
 */
export const siluMulQuantFp8: KernelFn<'siluMulQuantFp8'> = (plan, args, kctx) => {
  const rt = runtimeOf(kctx);
  const { m, inter: I, groupSize: G, groups } = plan;
  const data = outputOf(kctx, args.out, plan.outDtype, [m, I]);
  const scale = outputOf(kctx, args.outScale, 'f32', [m, groups]);
  const result = {
    data,
    scale: {
      tensor: scale,
      granularity: [1, 1, G] as const,
      major: 'K' as const,
      encoding: 'f32' as const,
      layout: 'linear' as const,
    },
  };
  if (m === 0) return result;
  const p = new Params();
  const PI = p.u32(I);
  const PG = p.u32(G);
  const NG = p.u32(groups);
  const NB = p.u32(m * groups);
  const EPS = p.f32(plan.eps);
  const XO = p.u32(args.x.offset);
  const DO = p.u32(data.offset);
  const SO = p.u32(scale.offset);
  const MO = p.u32(args.mIndices?.offset ?? 0);
  const fpMax = plan.outDtype === 'e4m3' ? '448.0' : '57344.0';
  const enc = plan.outDtype === 'e4m3' ? 'enc_e4m3' : 'enc_e5m2';
  const ld = (i: string) => loadExpr('B0', plan.inDtype, i);
  const body = () => `${WGSL_CODEC}
${WGSL_QUANT}
fn act(r: u32, c: u32) -> f32 {
  let base = ${XO} + r * 2u * ${PI};
  let g = ${ld('base + c')};
  return g / (1.0 + exp(-g)) * ${ld(`base + ${PI} + c`)};
}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let blk = wg.y * 65535u + wg.x;
  if (blk >= ${NB}) { return; }
  let r = blk / ${NG};
  let c0 = (blk % ${NG}) * ${PG};
  let cols = min(${PG}, ${PI} - c0);
  // Padding rows (negative mIndices): zero codes and scale, x not read.
  let pad = ${plan.masked ? `bitcast<i32>(B3[${MO} + r]) < 0i` : 'false'};
  var amax = 0.0;
  if (!pad) {
    for (var c = li; c < cols; c += 256u) { amax = max(amax, abs(act(r, c0 + c))); }
  }
  let s = fp8_scale(wg_max(li, amax), ${EPS}, ${fpMax}, ${plan.ue8m0});
  if (li == 0u) { B2[${SO} + blk] = bitcast<u32>(select(s, 0.0, pad)); }
  for (var c = li; c < cols; c += 256u) {
    var code = 0u;
    if (!pad) { code = ${enc}(div_rn(act(r, c0 + c), s), true); }
    B1_put8(${DO} + r * ${PI} + c0 + c, code);
  }
}`;
  launchMoe(rt, {
    key: `siluMulQuantFp8|${plan.inDtype}|${plan.outDtype}|${plan.ue8m0}|${plan.masked}`,
    label: 'siluMulQuantFp8',
    operands: [
      { t: args.x, arg: 'siluMulQuantFp8.x', access: 'read' },
      { t: data, arg: 'siluMulQuantFp8.out', write: true, access: 'atomic' },
      { t: scale, arg: 'siluMulQuantFp8.outScale', write: true, access: 'write' },
      { t: args.mIndices ?? args.x, arg: 'siluMulQuantFp8.mIndices', access: 'read' },
    ],
    status: false,
    body,
    params: p.words,
    groups: m * groups,
  });
  return result;
};
