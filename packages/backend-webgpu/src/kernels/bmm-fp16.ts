import type { KernelFn } from '@gemmkit/core';
import { loadExpr, storeStmt } from '../wgsl/common.js';
import { launchGemm } from './gemm-launch.js';
import { outputOf, runtimeOf } from './launch.js';
import { Params } from './params.js';

/** out[b] = a[b] @ b[b] (+ c[b]) on the shared GEMM family; f32 accumulation, one rounding. */
export const bmmFp16: KernelFn<'bmmFp16'> = (plan, args, kctx) => {
  const rt = runtimeOf(kctx);
  const out = outputOf(kctx, args.out, plan.outDtype, plan.outShape);
  const { a, b, c } = args;
  const dt = plan.inDtype;
  const od = plan.outDtype;
  const p = new Params();
  const M = p.u32(plan.m);
  const N = p.u32(plan.n);
  const K = p.u32(plan.k);
  const A = p.tensor(a);
  const B = p.tensor(b);
  const O = p.tensor(out);
  const C = c ? p.tensor(c) : null;
  const body = `
fn setup(bz: u32, m0: u32, n0: u32) -> vec4<u32> { return vec4<u32>(${M}, ${N}, ${K}, 0u); }
fn loadA(bz: u32, aux: u32, m: u32, k: u32) -> f32 { return ${loadExpr('A', dt, A.at('bz', 'm', 'k'))}; }
fn loadB(bz: u32, aux: u32, k: u32, n: u32) -> f32 { return ${loadExpr('B', dt, B.at('bz', 'k', 'n'))}; }
fn storeC(bz: u32, aux: u32, m: u32, n: u32, acc: f32) {
  var v = acc;
  ${C ? `v = v + ${loadExpr('C', od, C.at('bz', 'm', 'n'))};` : ''}
  ${storeStmt('O', od, O.at('bz', 'm', 'n'), 'v')}
}`;
  launchGemm(rt, {
    op: 'bmmFp16',
    operands: [
      { name: 'A', t: a, arg: 'bmmFp16.a' },
      { name: 'B', t: b, arg: 'bmmFp16.b' },
      ...(c ? [{ name: 'C', t: c, arg: 'bmmFp16.c' }] : []),
      { name: 'O', t: out, arg: 'bmmFp16.out', write: true, store: od },
    ],
    params: p,
    body,
    maxM: plan.m,
    maxN: plan.n,
    batches: plan.batch,
    bKContiguous: b.strides[1] === 1 && plan.n > 1,
    // bf16 values can leave the f16 range: only f16 inputs may take the f16 subgroup-matrix path.
    f16Exact: dt === 'f16',
  });
  return out;
};
