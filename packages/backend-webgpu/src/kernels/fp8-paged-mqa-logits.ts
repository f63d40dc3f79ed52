import type { KernelFn } from '@gemmkit/core';
import { outputOf, runtimeOf } from './launch.js';
import { launchMap } from './map-launch.js';
import { scheduleWgsl } from './mqa-schedule.js';
import { linearAt, Params } from './params.js';

const OP = 'fp8PagedMqaLogits';

/**
 * Paged lightning indexer, one invocation per (query row, position): the key and its f32 scale are read from
 * the fused page (keys first, then scales), pages through the block table. Bad lengths, short block tables
 * and page ids outside the cache skip the position and raise the status; extra invocations check that
 * scheduleMeta equals the schedule of these lengths.
 */
export const fp8PagedMqaLogits: KernelFn<'fp8PagedMqaLogits'> = (plan, args, kctx) => {
  const rt = runtimeOf(kctx);
  const out = outputOf(kctx, args.out, 'f32', plan.outShape);
  const p = new Params();
  const sched = scheduleWgsl(
    p,
    args.contextLens,
    plan.batch,
    plan.nextN,
    plan.twoD,
    4 * plan.blockKv,
    plan.numSms,
  );
  const W_ = p.u32(plan.maxContextLen);
  const T = p.u32(plan.nextN);
  const H = p.u32(plan.heads);
  const D = p.u32(plan.dim);
  const BKV = p.u32(plan.blockKv);
  const NB = p.u32(plan.numBlocks);
  const MB = p.u32(plan.maxBlocks);
  const ROWS = p.u32(plan.batch * plan.nextN);
  const siteL = p.u32(rt.site(OP, 'contextLens', 'context length negative or longer than maxContextLen'));
  const siteT = p.u32(rt.site(OP, 'blockTable', 'block table too short or page id outside the cache'));
  const siteM = p.u32(rt.site(OP, 'scheduleMeta', 'scheduleMeta differs from the schedule of contextLens'));
  const Q = p.tensor(args.q);
  const W = p.tensor(args.weights);
  const BT = p.tensor(args.blockTable);
  const SM = p.tensor(args.scheduleMeta);
  const O = p.tensor(out);
  const KV0 = p.u32(args.fusedKvCache.offset);
  const PAGE = p.u32(plan.blockKv * (plan.dim + 4));
  const clAt = (idx: string) => linearAt(p, args.contextLens, idx);
  const lenExpr = plan.twoD ? `bitcast<i32>(CL[${clAt('i')}])` : `bitcast<i32>(CL[${clAt('b')}])`;
  const countExpr = plan.twoD ? 'raw' : `raw - i32(${T}) + i32(t) + 1i`;
  const body = `${sched}
fn length_ok(i: u32) -> bool {
  let b = i / ${T}; let t = i % ${T};
  let raw = ${lenExpr};
  let count = ${countExpr};
  return raw >= 0i && count <= i32(${W_});
}
fn item(idx: u32) {
  let total = ${ROWS} * ${W_};
  if (idx >= total) {
    // Schedule check rows. A bad length is reported as such (by the position invocations), never as the
    // schedule mismatch it also causes: one deterministic error whatever order the invocations run in.
    for (var i = 0u; i < ${ROWS}; i++) {
      if (!length_ok(i)) { return; }
    }
    let r = idx - total;
    let want = sched_row(r);
    let got = vec2<u32>(SMD[${SM.at('r', '0u')}], SMD[${SM.at('r', '1u')}]);
    if (got.x != want.x || got.y != want.y) { raise_status(${siteM}, r); }
    return;
  }
  let i = idx / ${W_}; let j = idx % ${W_};
  let b = i / ${T}; let t = i % ${T};
  let raw = ${lenExpr};
  var count = ${countExpr};
  if (j == 0u && (raw < 0i || count > i32(${W_}))) { raise_status(${siteL}, bitcast<u32>(raw)); }
  count = clamp(count, 0i, i32(${W_}));
  let o = ${O.at('i', 'j')};
  if (i32(j) >= count) {
    ${plan.cleanLogits ? 'O[o] = 0xff800000u;' : ''}
    return;
  }
  let blk = j / ${BKV};
  if (blk >= ${MB}) { raise_status(${siteT}, blk); return; }
  let page = bitcast<i32>(BT[${BT.at('b', 'blk')}]);
  if (page < 0i || page >= i32(${NB})) { raise_status(${siteT}, bitcast<u32>(page)); return; }
  let slot = j % ${BKV};
  let base = ${KV0} + u32(page) * ${PAGE};
  let sb = base + ${BKV} * ${D} + 4u * slot;
  let ks = bitcast<f32>(KV_u8(sb) | (KV_u8(sb + 1u) << 8u) | (KV_u8(sb + 2u) << 16u) | (KV_u8(sb + 3u) << 24u));
  var acc = 0.0;
  for (var h = 0u; h < ${H}; h++) {
    var dot = 0.0;
    for (var d = 0u; d < ${D}; d++) {
      dot = fma(dec_e4m3(Q_u8(${Q.at('b', 't', 'h', 'd')})), dec_e4m3(KV_u8(base + slot * ${D} + d)), dot);
    }
    acc = fma(bitcast<f32>(W[${W.at('i', 'h')}]), max(ks * dot, 0.0), acc);
  }
  O[o] = bitcast<u32>(acc);
}`;
  launchMap(rt, {
    op: OP,
    operands: [
      { name: 'Q', t: args.q, arg: `${OP}.q` },
      { name: 'KV', t: args.fusedKvCache, arg: `${OP}.fusedKvCache` },
      { name: 'W', t: args.weights, arg: `${OP}.weights` },
      { name: 'CL', t: args.contextLens, arg: `${OP}.contextLens` },
      { name: 'BT', t: args.blockTable, arg: `${OP}.blockTable` },
      { name: 'SMD', t: args.scheduleMeta, arg: `${OP}.scheduleMeta` },
      { name: 'O', t: out, arg: `${OP}.out`, write: true },
    ],
    params: p,
    body,
    count: plan.batch * plan.nextN * plan.maxContextLen + plan.numSms + 1,
    status: true,
  });
  return out;
};
