import type { KernelFn } from '@gemmkit/core';
import { loadExpr, storeStmt } from '../wgsl/common.js';
import { outputOf, runtimeOf } from './launch.js';
import { launchMap } from './map-launch.js';
import { linearAt, Params } from './params.js';

/** out = round_out(fp8(x) · scale of its block), one invocation per element. */
export const dequantFp8: KernelFn<'dequantFp8'> = (plan, args, kctx) => {
  const rt = runtimeOf(kctx);
  const out = outputOf(kctx, args.out, plan.outDtype, plan.shape);
  const p = new Params();
  const O = p.u32(out.offset);
  const dec =
    plan.scaleDtype === 'f32'
      ? (w: string) => `bitcast<f32>(SC[${w}])`
      : (w: string) => `dec_ue8m0(SC_u8(${w}))`;
  let body: string;
  if (plan.perTensor) {
    const xi = linearAt(p, args.x, 'i');
    const si = linearAt(p, args.scale, '0u');
    body = `fn item(i: u32) { ${storeStmt('O', plan.outDtype, `${O} + i`, `${loadExpr('X', plan.inDtype, xi)} * ${dec(si)}`)} }`;
  } else {
    const [bm, bk] = plan.block;
    const x3 = args.x.rank === 3 ? args.x : args.x.unsqueeze(0);
    const s3 = args.scale.rank === 3 ? args.scale : args.scale.unsqueeze(0);
    const X = p.tensor(x3);
    const S = p.tensor(s3);
    const M = p.u32(plan.m);
    const K = p.u32(plan.k);
    body = `fn item(i: u32) {
  let b = i / (${M} * ${K}); let r = (i / ${K}) % ${M}; let c = i % ${K};
  let v = ${loadExpr('X', plan.inDtype, X.at('b', 'r', 'c'))} * ${dec(S.at('b', `r / ${bm}u`, `c / ${bk}u`))};
  ${storeStmt('O', plan.outDtype, `${O} + i`, 'v')}
}`;
  }
  launchMap(rt, {
    op: 'dequantFp8',
    operands: [
      { name: 'X', t: args.x, arg: 'dequantFp8.x' },
      { name: 'SC', t: args.scale, arg: 'dequantFp8.scale' },
      { name: 'O', t: out, arg: 'dequantFp8.out', write: true, atomic: plan.outDtype !== 'f32' },
    ],
    params: p,
    body,
    count: out.numel,
  });
  return out;
};
