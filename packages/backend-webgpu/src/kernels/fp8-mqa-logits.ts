import type { KernelFn } from '@gemmkit/core';
import { outputOf, runtimeOf } from './launch.js';
import { launchMap } from './map-launch.js';
import { Params } from './params.js';

const OP = 'fp8MqaLogits';

/**
 * Non-paged lightning indexer, one invocation per (query row, key): Σ_h w·relu(kScale·⟨q_h, k⟩) inside
 * [start, end), −inf outside with cleanLogits. Bounds outside [0, SKv] are clamped and raise the status.
 */
export const fp8MqaLogits: KernelFn<'fp8MqaLogits'> = (plan, args, kctx) => {
  const rt = runtimeOf(kctx);
  const out = outputOf(kctx, args.out, 'f32', plan.outShape);
  const p = new Params();
  const SKV = p.u32(plan.seqLenKv);
  const H = p.u32(plan.heads);
  const D = p.u32(plan.dim);
  const siteS = p.u32(rt.site(OP, 'cuSeqLenKStart', 'start outside [0, SKv]'));
  const siteE = p.u32(rt.site(OP, 'cuSeqLenKEnd', 'end outside [start, SKv]'));
  const Q = p.tensor(args.q);
  const K = p.tensor(args.k);
  const KS = p.tensor(args.kScale);
  const W = p.tensor(args.weights);
  const ST = p.tensor(args.cuSeqLenKStart);
  const EN = p.tensor(args.cuSeqLenKEnd);
  const O = p.tensor(out);
  const body = `fn item(idx: u32) {
  let i = idx / ${SKV}; let j = idx % ${SKV};
  let s0 = bitcast<i32>(ST[${ST.at('i')}]);
  let e0 = bitcast<i32>(EN[${EN.at('i')}]);
  if (j == 0u) {
    if (s0 < 0i || s0 > i32(${SKV})) { raise_status(${siteS}, bitcast<u32>(s0)); }
    if (e0 < s0 || e0 > i32(${SKV})) { raise_status(${siteE}, bitcast<u32>(e0)); }
  }
  let s = u32(clamp(s0, 0i, i32(${SKV})));
  let e = u32(clamp(e0, i32(s), i32(${SKV})));
  let o = ${O.at('i', 'j')};
  if (j < s || j >= e) {
    ${plan.cleanLogits ? 'O[o] = 0xff800000u;' : ''}
    return;
  }
  let ks = bitcast<f32>(KS[${KS.at('j')}]);
  var acc = 0.0;
  for (var h = 0u; h < ${H}; h++) {
    var dot = 0.0;
    for (var d = 0u; d < ${D}; d++) {
      dot = fma(dec_e4m3(Q_u8(${Q.at('i', 'h', 'd')})), dec_e4m3(K_u8(${K.at('j', 'd')})), dot);
    }
    acc = fma(bitcast<f32>(W[${W.at('i', 'h')}]), max(ks * dot, 0.0), acc);
  }
  O[o] = bitcast<u32>(acc);
}`;
  launchMap(rt, {
    op: OP,
    operands: [
      { name: 'Q', t: args.q, arg: `${OP}.q` },
      { name: 'K', t: args.k, arg: `${OP}.k` },
      { name: 'KS', t: args.kScale, arg: `${OP}.kScale` },
      { name: 'W', t: args.weights, arg: `${OP}.weights` },
      { name: 'ST', t: args.cuSeqLenKStart, arg: `${OP}.cuSeqLenKStart` },
      { name: 'EN', t: args.cuSeqLenKEnd, arg: `${OP}.cuSeqLenKEnd` },
      { name: 'O', t: out, arg: `${OP}.out`, write: true },
    ],
    params: p,
    body,
    count: plan.seqLen * plan.seqLenKv,
    status: true,
  });
  return out;
};
