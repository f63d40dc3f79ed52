import type { KernelFn } from '@gemmkit/core';
import { loadExpr, storeStmt } from '../wgsl/common.js';
import { launchGemm } from './gemm-launch.js';
import { outputOf, runtimeOf } from './launch.js';
import { Params } from './params.js';

/** bf16 GEMM (+ bias) for small M; the GEMM family picks 16-row tiles when M ≤ 16. */
export const tgvGemm: KernelFn<'tgvGemm'> = (plan, args, kctx) => {
  const rt = runtimeOf(kctx);
  const out = outputOf(kctx, args.out, 'bf16', plan.outShape);
  const p = new Params();
  const M = p.u32(plan.m);
  const N = p.u32(plan.n);
  const K = p.u32(plan.k);
  const A = p.tensor(args.a);
  const B = p.tensor(args.b);
  const O = p.tensor(out);
  const BI = args.bias ? p.tensor(args.bias) : null;
  const body = `
fn setup(bz: u32, m0: u32, n0: u32) -> vec4<u32> { return vec4<u32>(${M}, ${N}, ${K}, 0u); }
fn loadA(bz: u32, aux: u32, m: u32, k: u32) -> f32 { return ${loadExpr('A', 'bf16', A.at('m', 'k'))}; }
fn loadB(bz: u32, aux: u32, k: u32, n: u32) -> f32 { return ${loadExpr('B', 'bf16', B.at('k', 'n'))}; }
fn storeC(bz: u32, aux: u32, m: u32, n: u32, acc: f32) {
  let v = acc${BI ? ` + ${loadExpr('BI', 'bf16', BI.at('n'))}` : ''};
  ${storeStmt('O', 'bf16', O.at('m', 'n'), 'v')}
}`;
  launchGemm(rt, {
    op: 'tgvGemm',
    operands: [
      { name: 'A', t: args.a, arg: 'tgvGemm.a' },
      { name: 'B', t: args.b, arg: 'tgvGemm.b' },
      ...(args.bias ? [{ name: 'BI', t: args.bias, arg: 'tgvGemm.bias' }] : []),
      { name: 'O', t: out, arg: 'tgvGemm.out', write: true, store: 'bf16' as const },
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
