import type { KernelFn } from '@gemmkit/core';
import { loadExpr, storeStmt } from '../wgsl/common.js';
import { launchGemm } from './gemm-launch.js';
import { outputOf, runtimeOf } from './launch.js';
import { Params } from './params.js';

/** FP8 GEMM with a global alpha: out = round(alpha · Σ a·b). */
export const mmFp8: KernelFn<'mmFp8'> = (plan, args, kctx) => {
  const rt = runtimeOf(kctx);
  const out = outputOf(kctx, args.out, plan.outDtype, plan.outShape);
  const p = new Params();
  const M = p.u32(plan.m);
  const N = p.u32(plan.n);
  const K = p.u32(plan.k);
  const A = p.tensor(args.a);
  const B = p.tensor(args.b);
  const O = p.tensor(out);
  const AL = args.alpha ? p.tensor(args.alpha) : null;
  const body = `
fn setup(bz: u32, m0: u32, n0: u32) -> vec4<u32> { return vec4<u32>(${M}, ${N}, ${K}, 0u); }
fn loadA(bz: u32, aux: u32, m: u32, k: u32) -> f32 { return ${loadExpr('A', plan.aDtype, A.at('m', 'k'))}; }
fn loadB(bz: u32, aux: u32, k: u32, n: u32) -> f32 { return ${loadExpr('B', plan.bDtype, B.at('k', 'n'))}; }
fn storeC(bz: u32, aux: u32, m: u32, n: u32, acc: f32) {
  let v = acc${AL ? ` * bitcast<f32>(AL[${AL.off}])` : ''};
  ${storeStmt('O', plan.outDtype, O.at('m', 'n'), 'v')}
}`;
  launchGemm(rt, {
    op: 'mmFp8',
    operands: [
      { name: 'A', t: args.a, arg: 'mmFp8.a' },
      { name: 'B', t: args.b, arg: 'mmFp8.b' },
      ...(args.alpha ? [{ name: 'AL', t: args.alpha, arg: 'mmFp8.alpha' }] : []),
      { name: 'O', t: out, arg: 'mmFp8.out', write: true, store: plan.outDtype },
    ],
    params: p,
    body,
    maxM: plan.m,
    maxN: plan.n,
    batches: 1,
    bKContiguous: true,
    // Raw FP8 values are exact in f16 (scales apply in the epilogue).
    f16Exact: true,
  });
  return out;
};
