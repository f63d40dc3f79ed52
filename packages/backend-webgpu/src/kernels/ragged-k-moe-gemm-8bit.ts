import type { KernelFn } from '@gemmkit/core';
import { loadExpr } from '../wgsl/common.js';
import { launchGemm } from './gemm-launch.js';
import { runtimeOf } from './launch.js';
import { Params } from './params.js';

const OP = 'raggedKMoeGemm8bit';

/**
 * Ragged-K MoE GEMM (weight gradients): grid slice e reduces over expert e's K rows (prefix sums of the
 * counts, clamped to [0, K) as core's raggedKRanges reads them) and accumulates into out[e] in f32.
 */
export const raggedKMoeGemm8bit: KernelFn<'raggedKMoeGemm8bit'> = (plan, args, kctx) => {
  const rt = runtimeOf(kctx);
  const out = args.out;
  const p = new Params();
  const M = p.u32(plan.m);
  const N = p.u32(plan.n);
  const KT = p.u32(plan.kTotal);
  const site = p.u32(rt.site(OP, 'raggedTokensInfo', 'K count negative or past the K dimension'));
  const siteAlign = p.u32(rt.site(OP, 'raggedTokensInfo', 'K count not a multiple of 128', 'E_ALIGN'));
  const A = p.tensor(args.a);
  const SA = p.tensor(args.aScale);
  const B = p.tensor(args.b);
  const SB = p.tensor(args.bScale);
  const I = p.tensor(args.raggedTokensInfo);
  const O = p.tensor(out);
  const body = `
var<private> k0: u32;
fn setup(bz: u32, m0: u32, n0: u32) -> vec4<u32> {
  var at = 0u;
  var end = 0u;
  for (var e = 0u; e <= bz; e++) {
    let c = bitcast<i32>(I[${I.at('e')}]);
    let bad = c < 0i || at + u32(max(c, 0i)) > ${KT};
    end = select(at, min(at + u32(max(c, 0i)), ${KT}), c >= 0i);
    if (e == bz) {
      k0 = at;
      if (bad && is_leader && m0 == 0u && n0 == 0u) { raise_status(${site}, bitcast<u32>(c)); }
      if (!bad && c % 128i != 0i && is_leader && m0 == 0u && n0 == 0u) { raise_status(${siteAlign}, bitcast<u32>(c)); }
    }
    at = end;
  }
  if (end <= k0) { return vec4<u32>(0u, 0u, 0u, 0u); }
  return vec4<u32>(${M}, ${N}, end - k0, 0u);
}
fn loadA(bz: u32, aux: u32, m: u32, k: u32) -> f32 {
  let r = k0 + k;
  return ${loadExpr('A', args.a.dtype, A.at('r', 'm'))} * bitcast<f32>(SA[${SA.at('r / 128u', 'm')}]);
}
fn loadB(bz: u32, aux: u32, k: u32, n: u32) -> f32 {
  let r = k0 + k;
  return ${loadExpr('B', args.b.dtype, B.at('r', 'n'))} * bitcast<f32>(SB[${SB.at('r / 128u', 'n')}]);
}
fn storeC(bz: u32, aux: u32, m: u32, n: u32, acc: f32) {
  let i = ${O.at('bz', 'm', 'n')};
  O[i] = bitcast<u32>(bitcast<f32>(O[i]) + acc);
}`;
  launchGemm(rt, {
    op: OP,
    operands: [
      { name: 'A', t: args.a, arg: `${OP}.a` },
      { name: 'SA', t: args.aScale, arg: `${OP}.aScale` },
      { name: 'B', t: args.b, arg: `${OP}.b` },
      { name: 'SB', t: args.bScale, arg: `${OP}.bScale` },
      { name: 'I', t: args.raggedTokensInfo, arg: `${OP}.raggedTokensInfo` },
      { name: 'O', t: out, arg: `${OP}.out`, write: true, store: 'f32' },
    ],
    params: p,
    body,
    maxM: plan.m,
    maxN: plan.n,
    batches: plan.numExperts,
    bKContiguous: plan.majorB === 'K',
    status: true,
  });
  return out;
};
