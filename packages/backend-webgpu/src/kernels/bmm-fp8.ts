import type { KernelFn } from '@gemmkit/core';
import { loadExpr, storeStmt } from '../wgsl/common.js';
import { launchGemm } from './gemm-launch.js';
import { outputOf, runtimeOf } from './launch.js';
import { Params } from './params.js';

/** Batched FP8 GEMM: decoded products summed in f32, per-tensor or per-row A scale, per-tensor B scale. */
export const bmmFp8: KernelFn<'bmmFp8'> = (plan, args, kctx) => {
  const rt = runtimeOf(kctx);
  const out = outputOf(kctx, args.out, plan.outDtype, plan.outShape);
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
  const sa = plan.rowScale ? `bitcast<f32>(SA[${SA.at('bz', 'm')}])` : `bitcast<f32>(SA[${SA.off}])`;
  const body = `
fn setup(bz: u32, m0: u32, n0: u32) -> vec4<u32> { return vec4<u32>(${M}, ${N}, ${K}, 0u); }
fn loadA(bz: u32, aux: u32, m: u32, k: u32) -> f32 { return ${loadExpr('A', plan.aDtype, A.at('bz', 'm', 'k'))}; }
fn loadB(bz: u32, aux: u32, k: u32, n: u32) -> f32 { return ${loadExpr('B', plan.bDtype, B.at('bz', 'k', 'n'))}; }
fn storeC(bz: u32, aux: u32, m: u32, n: u32, acc: f32) {
  var v = acc * ${sa} * bitcast<f32>(SB[${SB.off}]);
  ${OS ? `v = v / bitcast<f32>(OS[${OS.off}]);` : ''}
  ${storeStmt('O', plan.outDtype, O.at('bz', 'm', 'n'), 'v')}
}`;
  launchGemm(rt, {
    op: 'bmmFp8',
    operands: [
      { name: 'A', t: args.a, arg: 'bmmFp8.a' },
      { name: 'B', t: args.b, arg: 'bmmFp8.b' },
      { name: 'SA', t: args.aScale, arg: 'bmmFp8.aScale' },
      { name: 'SB', t: args.bScale, arg: 'bmmFp8.bScale' },
      ...(args.outputScale ? [{ name: 'OS', t: args.outputScale, arg: 'bmmFp8.outputScale' }] : []),
      { name: 'O', t: out, arg: 'bmmFp8.out', write: true, store: plan.outDtype },
    ],
    params: p,
    body,
    maxM: plan.m,
    maxN: plan.n,
    batches: plan.batch,
    bKContiguous: true,
    // Raw FP8 values are exact in f16 (scales apply in the epilogue).
    f16Exact: true,
  });
  return out;
};
