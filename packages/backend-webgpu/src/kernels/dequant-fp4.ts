import type { KernelFn } from '@gemmkit/core';
import { storeStmt } from '../wgsl/common.js';
import { fp4ScaleIndex } from './fp4-scale.js';
import { outputOf, runtimeOf } from './launch.js';
import { launchMap } from './map-launch.js';
import { linearAt, Params } from './params.js';

/** out[.., k] = round_out(e2m1(x) · sf(row, k/block) / g), one invocation per value. */
export const dequantFp4: KernelFn<'dequantFp4'> = (plan, args, kctx) => {
  const rt = runtimeOf(kctx);
  const out = outputOf(kctx, args.out, plan.outDtype, plan.valueShape);
  const p = new Params();
  const K = p.u32(plan.k);
  const cols = plan.k / plan.block;
  const C = p.u32(cols);
  const CP = p.u32(Math.ceil(cols / 4) * 4);
  const O = p.u32(out.offset);
  const xi = linearAt(p, args.x, '(i / 2u)');
  const sOff = p.u32(args.scale.offset);
  const linIdx = plan.layout === 'linear' ? linearAt(p, args.scale, 'sl') : '';
  const si = fp4ScaleIndex(plan.layout, sOff, CP, 'row', 'kb', () => linIdx);
  const dec = plan.scaleDtype === 'e4m3' ? 'dec_e4m3' : 'dec_ue8m0';
  const G = args.globalScale ? linearAt(p, args.globalScale, '0u') : null;
  const site = p.u32(rt.site('dequantFp4', 'globalScale', 'global scale must be finite and > 0'));
  const body = `fn item(i: u32) {
  let row = i / ${K}; let k = i % ${K}; let kb = k / ${plan.block}u; let sl = row * ${C} + kb;
  var v = dec_e2m1((X_u8(${xi}) >> ((k & 1u) * 4u)) & 15u) * ${dec}(SC_u8(${si}));
  ${
    G
      ? `let g = bitcast<f32>(G[${G}]);
  // A device-resident global scale can only be checked here: it must be finite and > 0.
  if (i == 0u && !(g > 0.0 && g <= 3.4028234663852886e38)) { raise_status(${site}, bitcast<u32>(g)); }
  v = v / g;`
      : ''
  }
  ${storeStmt('O', plan.outDtype, `${O} + i`, 'v')}
}`;
  launchMap(rt, {
    op: 'dequantFp4',
    operands: [
      { name: 'X', t: args.x, arg: 'dequantFp4.x' },
      { name: 'SC', t: args.scale, arg: 'dequantFp4.scale' },
      ...(args.globalScale ? [{ name: 'G', t: args.globalScale, arg: 'dequantFp4.globalScale' }] : []),
      { name: 'O', t: out, arg: 'dequantFp4.out', write: true, atomic: plan.outDtype !== 'f32' },
    ],
    params: p,
    body,
    count: out.numel,
    status: !!G,
  });
  return out;
};
