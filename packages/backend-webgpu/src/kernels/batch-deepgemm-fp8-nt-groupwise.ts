import type { KernelFn } from '@gemmkit/core';
import { loadExpr, storeStmt } from '../wgsl/common.js';
import { launchGemm } from './gemm-launch.js';
import { outputOf, runtimeOf } from './launch.js';
import { Params } from './params.js';

const OP = 'batchDeepgemmFp8NtGroupwise';

/**
 * Masked batched block-scaled FP8 GEMM: group bz computes rows < maskedM[bz]. A maskedM outside [0, M] is
 * clamped and raises the status word (reported by sync), so bad data never reaches out of bounds.
 */
export const batchDeepgemmFp8NtGroupwise: KernelFn<'batchDeepgemmFp8NtGroupwise'> = (plan, args, kctx) => {
  const rt = runtimeOf(kctx);
  const out = outputOf(kctx, args.out, plan.outDtype, plan.outShape);
  const p = new Params();
  const M = p.u32(plan.m);
  const N = p.u32(plan.n);
  const K = p.u32(plan.k);
  const site = p.u32(rt.site(OP, 'maskedM', 'maskedM entry outside [0, M]'));
  const A = p.tensor(args.a);
  const B = p.tensor(args.b);
  const SA = p.tensor(args.aScale);
  const SB = p.tensor(args.bScale);
  const MM = p.tensor(args.maskedM);
  const O = p.tensor(out);
  const body = `
fn setup(bz: u32, m0: u32, n0: u32) -> vec4<u32> {
  let raw = bitcast<i32>(MM[${MM.at('bz')}]);
  var rows = u32(max(raw, 0));
  if (raw < 0 || rows > ${M}) {
    if (is_leader && m0 == 0u && n0 == 0u) { raise_status(${site}, bitcast<u32>(raw)); }
    rows = min(rows, ${M});
  }
  return vec4<u32>(rows, ${N}, ${K}, 0u);
}
fn loadA(bz: u32, aux: u32, m: u32, k: u32) -> f32 {
  return ${loadExpr('A', 'e4m3', A.at('bz', 'm', 'k'))} * bitcast<f32>(SA[${SA.at('bz', 'm', 'k / 128u')}]);
}
fn loadB(bz: u32, aux: u32, k: u32, n: u32) -> f32 {
  return ${loadExpr('B', 'e4m3', B.at('bz', 'n', 'k'))} * bitcast<f32>(SB[${SB.at('bz', 'n / 128u', 'k / 128u')}]);
}
fn storeC(bz: u32, aux: u32, m: u32, n: u32, acc: f32) { ${storeStmt('O', plan.outDtype, O.at('bz', 'm', 'n'), 'acc')} }`;
  launchGemm(rt, {
    op: OP,
    operands: [
      { name: 'A', t: args.a, arg: `${OP}.a` },
      { name: 'B', t: args.b, arg: `${OP}.b` },
      { name: 'SA', t: args.aScale, arg: `${OP}.aScale` },
      { name: 'SB', t: args.bScale, arg: `${OP}.bScale` },
      { name: 'MM', t: args.maskedM, arg: `${OP}.maskedM` },
      { name: 'O', t: out, arg: `${OP}.out`, write: true, store: plan.outDtype },
    ],
    params: p,
    body,
    maxM: plan.m,
    maxN: plan.n,
    batches: plan.batch,
    bKContiguous: true,
    status: true,
  });
  return out;
};
