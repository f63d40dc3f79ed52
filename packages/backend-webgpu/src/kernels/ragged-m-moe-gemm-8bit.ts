import type { KernelFn } from '@gemmkit/core';
import { loadExpr, storeStmt } from '../wgsl/common.js';
import { launchGemm } from './gemm-launch.js';
import { outputOf, runtimeOf } from './launch.js';
import { Params } from './params.js';

const OP = 'raggedMMoeGemm8bit';

/**
 * Contiguous (ragged-M) MoE GEMM.
 * per_token: tiles walk the rows; a tile takes the expert of its first row with a valid id, and each row is
 * stored only when its own id is that expert (padding -1 rows stay untouched; other ids raise the status).
 * psum_expert / per_expert: one grid slice per expert, whose rows are found as core's raggedMRuns reads them.
 */
export const raggedMMoeGemm8bit: KernelFn<'raggedMMoeGemm8bit'> = (plan, args, kctx) => {
  const rt = runtimeOf(kctx);
  const out = outputOf(kctx, args.out, plan.outDtype, plan.outShape);
  const [, gn, gk] = plan.granularity;
  const p = new Params();
  const M = p.u32(plan.m);
  const N = p.u32(plan.n);
  const K = p.u32(plan.k);
  const E = p.u32(plan.numExperts);
  const AL = p.u32(plan.alignmentM);
  const site = p.u32(rt.site(OP, 'raggedTokensInfo', `${plan.gemmMode} entry out of range`));
  const siteMix = p.u32(
    rt.site(
      OP,
      'raggedTokensInfo',
      `rows of one ${plan.alignmentM}-row block must share one expert`,
      'E_LAYOUT',
    ),
  );
  const A = p.tensor(args.a);
  const SA = p.tensor(args.aScale);
  const B = p.tensor(args.b);
  const SB = p.tensor(args.bScale);
  const I = p.tensor(args.raggedTokensInfo);
  const O = p.tensor(out);
  const info = (i: string) => `bitcast<i32>(I[${I.at(i)}])`;
  const perToken = plan.gemmMode === 'per_token';
  const setup = perToken
    ? `
fn setup(bz: u32, m0: u32, n0: u32) -> vec4<u32> {
  if (is_leader && n0 == 0u && m0 % ${AL} == 0u) {
    // One check per aligned block: its valid ids must agree (others are reported as out of range).
    var blockE = -1i;
    for (var r = m0; r < min(m0 + ${AL}, ${M}); r++) {
      let e = ${info('r')};
      if (e < -1i || e >= i32(${E})) { raise_status(${site}, bitcast<u32>(e)); }
      else if (e >= 0i) {
        if (blockE >= 0i && e != blockE) { raise_status(${siteMix}, bitcast<u32>(e)); }
        blockE = e;
      }
    }
  }
  let hi = min(m0 + 64u, ${M});
  for (var r = m0; r < hi; r++) {
    let e = ${info('r')};
    if (e >= 0i && e < i32(${E})) { return vec4<u32>(${M}, ${N}, ${K}, u32(e)); }
  }
  return vec4<u32>(0u, 0u, 0u, 0u);
}
var<private> row0: u32;
fn rowOwned(bz: u32, aux: u32, m: u32, n: u32) -> bool {
  let e = ${info('m')};
  if (e == i32(aux)) { return true; }
  return false;
}`
    : `
fn setup(bz: u32, m0: u32, n0: u32) -> vec4<u32> {
  var prevEnd = 0u;
  var start = 0u;
  var end = 0u;
  for (var e = 0u; e <= bz; e++) {
    let v = ${info('e')};
    start = (prevEnd + ${AL} - 1u) / ${AL} * ${AL};
    ${
      plan.gemmMode === 'psum_expert'
        ? `let bad = v < i32(prevEnd) || v > i32(${M});
    end = u32(clamp(v, i32(prevEnd), i32(${M})));`
        : `let bad = v < 0i || start + u32(max(v, 0i)) > ${M};
    end = max(select(start, min(start + u32(v), ${M}), v > 0i), min(start, ${M}));`
    }
    if (e == bz && bad && is_leader && m0 == 0u && n0 == 0u) { raise_status(${site}, bitcast<u32>(v)); }
    prevEnd = end;
  }
  row0 = start;
  if (end <= start) { return vec4<u32>(0u, 0u, 0u, 0u); }
  return vec4<u32>(end - start, ${N}, ${K}, bz);
}
var<private> row0: u32;
fn rowOwned(bz: u32, aux: u32, m: u32, n: u32) -> bool { return true; }`;
  const row = perToken ? 'm' : '(row0 + m)';
  const body = `${setup}
fn loadA(bz: u32, aux: u32, m: u32, k: u32) -> f32 {
  let r = ${row};
  return ${loadExpr('A', args.a.dtype, A.at('r', 'k'))} * bitcast<f32>(SA[${SA.at('r', `k / ${gk}u`)}]);
}
fn loadB(bz: u32, aux: u32, k: u32, n: u32) -> f32 {
  return ${loadExpr('B', args.b.dtype, B.at('aux', 'n', 'k'))} * bitcast<f32>(SB[${SB.at('aux', `n / ${gn}u`, `k / ${gk}u`)}]);
}
fn storeC(bz: u32, aux: u32, m: u32, n: u32, acc: f32) {
  let r = ${row};
  if (rowOwned(bz, aux, r, n)) { ${storeStmt('O', plan.outDtype, O.at('r', 'n'), 'acc')} }
}`;
  launchGemm(rt, {
    op: OP,
    operands: [
      { name: 'A', t: args.a, arg: `${OP}.a` },
      { name: 'SA', t: args.aScale, arg: `${OP}.aScale` },
      { name: 'B', t: args.b, arg: `${OP}.b` },
      { name: 'SB', t: args.bScale, arg: `${OP}.bScale` },
      { name: 'I', t: args.raggedTokensInfo, arg: `${OP}.raggedTokensInfo` },
      { name: 'O', t: out, arg: `${OP}.out`, write: true, store: plan.outDtype },
    ],
    params: p,
    body,
    maxM: plan.m,
    maxN: plan.n,
    batches: perToken ? 1 : plan.numExperts,
    bKContiguous: plan.majorB === 'K',
    status: true,
    // per_token tiles must not straddle two experts' aligned blocks: 64 divides alignmentM.
    tm: 4,
  });
  return out;
};
