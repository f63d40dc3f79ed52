import type { KernelFn } from '@gemmkit/core';
import { loadExpr } from '../wgsl/common.js';
import { WGSL_QUANT_RULES } from '../wgsl/quant.js';
import { outputOf, runtimeOf } from './launch.js';
import { launchMap } from './map-launch.js';
import { linearAt, Params } from './params.js';
import { tensorAmax } from './tensor-amax.js';

const OP = 'quantPerTensorFp8';

/** One scale for the tensor (given, or f32(max(amax, eps)/fpMax) from a device reduction); data = fp8(x / s). */
export const quantPerTensorFp8: KernelFn<'quantPerTensorFp8'> = (plan, args, kctx) => {
  const rt = runtimeOf(kctx);
  const data = outputOf(kctx, args.out, plan.outDtype, plan.shape);
  const scale = outputOf(kctx, args.outScale, 'f32', [1]);
  const src = args.scale ?? tensorAmax(kctx, args.x, OP);
  const p = new Params();
  const xi = linearAt(p, args.x, 'i');
  const si = linearAt(p, src, '0u');
  const oi = linearAt(p, scale, '0u');
  const D = p.u32(data.offset);
  const EPS = p.f32(plan.eps);
  const fpMax = plan.outDtype === 'e4m3' ? '448.0' : '57344.0';
  const enc = plan.outDtype === 'e4m3' ? 'enc_e4m3' : 'enc_e5m2';
  const sExpr = args.scale
    ? `bitcast<f32>(S[${si}])`
    : `fp8_scale(bitcast<f32>(S[${si}]), ${EPS}, ${fpMax}, false)`;
  const NUM = p.u32(plan.numel);
  const site = p.u32(rt.site(OP, 'scale', 'scale must be finite and > 0'));
  // At least one invocation runs, so an empty tensor still gets its scale.
  const body = `${WGSL_QUANT_RULES}
fn item(i: u32) {
  let s = ${sExpr};
  if (i == 0u) {
    SO[${oi}] = bitcast<u32>(s);
    ${args.scale ? `if (!(s > 0.0 && s <= 3.4028234663852886e38)) { raise_status(${site}, bitcast<u32>(s)); }` : ''}
  }
  if (i < ${NUM}) { D_put8(${D} + i, ${enc}(div_rn(${loadExpr('X', args.x.dtype, xi)}, s), true)); }
}`;
  launchMap(rt, {
    op: OP,
    operands: [
      { name: 'X', t: args.x, arg: `${OP}.x` },
      { name: 'S', t: src, arg: `${OP}.scale` },
      { name: 'D', t: data, arg: `${OP}.out`, write: true, atomic: true },
      { name: 'SO', t: scale, arg: `${OP}.outScale`, write: true },
    ],
    params: p,
    body,
    count: Math.max(1, plan.numel),
    status: !!args.scale,
  });
  if (!args.scale) src.dispose();
  return {
    data,
    scale: { tensor: scale, granularity: [-1, -1, -1], major: 'K', encoding: 'f32', layout: 'linear' },
  };
};
