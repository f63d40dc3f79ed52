import type { KernelFn } from '@gemmkit/core';
import { cdiv, outputOf, runtimeOf } from './launch.js';
import { launchMoe } from './moe-common.js';
import { Params } from './params.js';

/**
 * One invocation per output element: out[r, c] = x[tokenOf[r], c] (raw bits of 1, 2 or 4 bytes), zero on
 * padding rows and on out-of-range entries (which raise the status word).
 */
export const moePermute: KernelFn<'moePermute'> = (plan, args, kctx) => {
  const rt = runtimeOf(kctx);
  const { tokens: T, rows: M, width: H, elemBytes: eb } = plan;
  const out = outputOf(kctx, args.out, args.x.dtype, [M, H]);
  const n = M * H;
  if (n === 0) return out;
  const p = new Params();
  const N = p.u32(n);
  const PH = p.u32(H);
  const PT = p.u32(T);
  const XO = p.u32(args.x.offset);
  const MO = p.u32(args.tokenOf.offset);
  const OO = p.u32(out.offset);
  const site = p.u32(rt.site('moePermute', 'tokenOf', 'source token out of range (zero row written)'));
  const load = eb === 4 ? 'B0_u32' : eb === 2 ? 'B0_u16' : 'B0_u8';
  const store = (idx: string, v: string) =>
    eb === 4 ? `B2_put32(${idx}, ${v});` : eb === 2 ? `B2_put16(${idx}, ${v});` : `B2_put8(${idx}, ${v});`;
  const body = () => `
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = (wg.y * 65535u + wg.x) * 256u + li;
  if (i >= ${N}) { return; }
  let r = i / ${PH};
  let c = i % ${PH};
  let t = bitcast<i32>(B1[${MO} + r]);
  var v = 0u;
  if (t >= 0i && u32(t) < ${PT}) {
    v = ${load}(${XO} + u32(t) * ${PH} + c);
  } else if (t != -1i && c == 0u) {
    raise_status(${site}, bitcast<u32>(t));
  }
  ${store(`${OO} + i`, 'v')}
}`;
  launchMoe(rt, {
    key: `moePermute|${eb}`,
    label: 'moePermute',
    operands: [
      { t: args.x, arg: 'moePermute.x', access: 'read' },
      { t: args.tokenOf, arg: 'moePermute.tokenOf', access: 'read' },
      { t: out, arg: 'moePermute.out', write: true, access: 'atomic' },
    ],
    status: true,
    body,
    params: p.words,
    groups: cdiv(n, 256),
  });
  return out;
};
