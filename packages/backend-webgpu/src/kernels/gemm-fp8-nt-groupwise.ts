import type { KernelFn } from '@gemmkit/core';
import { loadExpr, storeStmt } from '../wgsl/common.js';
import { launchGemm } from './gemm-launch.js';
import { outputOf, runtimeOf } from './launch.js';
import { Params } from './params.js';

/** Block-scaled FP8 NT GEMM: every operand value is decoded and multiplied by its block scale on load. */
export const gemmFp8NtGroupwise: KernelFn<'gemmFp8NtGroupwise'> = (plan, args, kctx) => {
  const rt = runtimeOf(kctx);
  const out = outputOf(kctx, args.out, plan.outDtype, plan.outShape);
  const [gm, gn, gk] = plan.granularity;
  const p = new Params();
  const M = p.u32(plan.m);
  const N = p.u32(plan.n);
  const K = p.u32(plan.k);
  const A = p.tensor(args.a);
  const B = p.tensor(args.b);
  const SA = p.tensor(args.aScale);
  const SB = p.tensor(args.bScale);
  const O = p.tensor(out);
  const OS = args.outputScale ? p.tensor(args.outputScale) : null;
  const body = `
fn setup(bz: u32, m0: u32, n0: u32) -> vec4<u32> { return vec4<u32>(${M}, ${N}, ${K}, 0u); }
fn loadA(bz: u32, aux: u32, m: u32, k: u32) -> f32 {
  return ${loadExpr('A', plan.aDtype, A.at('m', 'k'))} * bitcast<f32>(SA[${SA.at(`m / ${gm}u`, `k / ${gk}u`)}]);
}
fn loadB(bz: u32, aux: u32, k: u32, n: u32) -> f32 {
  return ${loadExpr('B', plan.bDtype, B.at('n', 'k'))} * bitcast<f32>(SB[${SB.at(`n / ${gn}u`, `k / ${gk}u`)}]);
}
fn storeC(bz: u32, aux: u32, m: u32, n: u32, acc: f32) {
  let v = acc${OS ? ` / bitcast<f32>(OS[${OS.off}])` : ''};
  ${storeStmt('O', plan.outDtype, O.at('m', 'n'), 'v')}
}`;
  launchGemm(rt, {
    op: 'gemmFp8NtGroupwise',
    operands: [
      { name: 'A', t: args.a, arg: 'gemmFp8NtGroupwise.a' },
      { name: 'B', t: args.b, arg: 'gemmFp8NtGroupwise.b' },
      { name: 'SA', t: args.aScale, arg: 'gemmFp8NtGroupwise.aScale' },
      { name: 'SB', t: args.bScale, arg: 'gemmFp8NtGroupwise.bScale' },
      ...(args.outputScale
        ? [{ name: 'OS', t: args.outputScale, arg: 'gemmFp8NtGroupwise.outputScale' }]
        : []),
      { name: 'O', t: out, arg: 'gemmFp8NtGroupwise.out', write: true, store: plan.outDtype },
    ],
    params: p,
    body,
    maxM: plan.m,
    maxN: plan.n,
    batches: 1,
    bKContiguous: true,
  });
  return out;
};
