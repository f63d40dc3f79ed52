import type { KernelFn } from '@gemmkit/core';
import { loadExpr, outAccess, storeStmt } from '../wgsl/common.js';
import { gemmSource, gemmTile } from '../wgsl/gemm.js';
import { pickTm } from './gemm-util.js';
import { bindOperands, cdiv, outputOf, runtimeOf } from './launch.js';

/** out[b] = a[b] @ b[b] (+ c[b]) on the shared GEMM family; f32 accumulation, one rounding. */
export const bmmFp16: KernelFn<'bmmFp16'> = (plan, args, kctx) => {
  const rt = runtimeOf(kctx);
  const out = outputOf(kctx, args.out, plan.outDtype, plan.outShape);
  const { a, b, c } = args;
  const dt = plan.inDtype;
  const ops = [
    { t: a, arg: 'bmmFp16.a' },
    { t: b, arg: 'bmmFp16.b' },
    ...(c ? [{ t: c, arg: 'bmmFp16.c' }] : []),
    { t: out, arg: 'bmmFp16.out', write: true },
  ];
  const names = c ? ['A', 'B', 'C', 'O'] : ['A', 'B', 'O'];
  const bound = bindOperands(rt, ops, false);
  const bKc = b.strides[1] === 1 && plan.n > 1;
  const tm = pickTm(plan.m);
  const od = plan.outDtype;
  const key = `bmmFp16:${dt}:${od}:${c ? 'c' : ''}:${bKc ? 'nt' : 'nn'}:${tm}`;
  const body = `
fn setup(bz: u32, m0: u32, n0: u32) -> vec4<u32> { return vec4<u32>(prm(0), prm(1), prm(2), 0u); }
fn loadA(bz: u32, aux: u32, m: u32, k: u32) -> f32 {
  return ${loadExpr('A', dt, 'prm(3) + bz * prm(4) + m * prm(5) + k * prm(6)')};
}
fn loadB(bz: u32, aux: u32, k: u32, n: u32) -> f32 {
  return ${loadExpr('B', dt, 'prm(7) + bz * prm(8) + k * prm(9) + n * prm(10)')};
}
fn storeC(bz: u32, aux: u32, m: u32, n: u32, acc: f32) {
  var v = acc;
  ${c ? `v = v + ${loadExpr('C', od, 'prm(15) + bz * prm(16) + m * prm(17) + n * prm(18)')};` : ''}
  ${storeStmt('O', od, 'prm(11) + bz * prm(12) + m * prm(13) + n * prm(14)', 'v')}
}`;
  const cs = c ? [c.offset, ...c.strides] : [0, 0, 0, 0];
  const { bm, bn } = gemmTile(tm);
  rt.dispatch({
    key,
    label: 'bmmFp16',
    source: () =>
      gemmSource({
        key,
        tm,
        bKContiguous: bKc,
        bindings: names.map((name, i) => ({
          name,
          access: ops[i].write ? outAccess(od) : 'read',
        })),
        body,
      }),
    ...bound,
    params: [
      plan.m,
      plan.n,
      plan.k,
      a.offset,
      ...a.strides,
      b.offset,
      ...b.strides,
      out.offset,
      ...out.strides,
      ...cs,
    ],
    groups: [cdiv(plan.n, bn), cdiv(plan.m, bm), plan.batch],
  });
  return out;
};
