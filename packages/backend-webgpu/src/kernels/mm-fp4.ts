import type { KernelFn } from '@gemmkit/core';
import { loadExpr, storeStmt } from '../wgsl/common.js';
import { launchGemm } from './gemm-launch.js';
import { outputOf, runtimeOf } from './launch.js';
import { Params, type TensorRef } from './params.js';

/**
 * FP4 GEMM (NVFP4 / MXFP4, or W4A16): e2m1 nibbles decoded in-shader (low nibble = even k), times the block
 * scale read through the linear or 128x4-swizzled layout, then alpha in the epilogue.
 */
export const mmFp4: KernelFn<'mmFp4'> = (plan, args, kctx) => {
  const rt = runtimeOf(kctx);
  const out = outputOf(kctx, args.out, plan.outDtype, plan.outShape);
  const p = new Params();
  const M = p.u32(plan.m);
  const N = p.u32(plan.n);
  const K = p.u32(plan.k);
  const vec = plan.vec;
  const kPad = p.u32(Math.ceil(plan.k / vec / 4) * 4);
  const A = p.tensor(args.a);
  const B = p.tensor(args.b);
  const SA = args.aScale ? p.tensor(args.aScale) : null;
  const SB = p.tensor(args.bScale);
  const O = p.tensor(out);
  const AL = args.alpha ? p.tensor(args.alpha) : null;
  const decScale = plan.scaleDtype === 'e4m3' ? 'dec_e4m3' : 'dec_ue8m0';
  const scaleAt = (name: string, S: TensorRef, r: string, k: string) => {
    const kb = `(${k} / ${vec}u)`;
    const idx =
      plan.scaleLayout === 'linear'
        ? S.at(r, kb)
        : `(${S.off} + ((${r}) / 128u * (${kPad} / 4u) + ${kb} / 4u) * 512u + ((${r}) % 32u) * 16u + (((${r}) % 128u) / 32u) * 4u + ${kb} % 4u)`;
    return `${decScale}(${name}_u8(${idx}))`;
  };
  const nib = (name: string, idx: string) => `dec_e2m1((${name}_u8(${idx}) >> ((k & 1u) * 4u)) & 15u)`;
  const loadA =
    plan.aKind === 'bf16'
      ? loadExpr('A', 'bf16', A.at('m', 'k'))
      : `${nib('A', A.at('m', 'k / 2u'))} * ${scaleAt('SA', SA!, 'm', 'k')}`;
  const body = `
fn setup(bz: u32, m0: u32, n0: u32) -> vec4<u32> { return vec4<u32>(${M}, ${N}, ${K}, 0u); }
fn loadA(bz: u32, aux: u32, m: u32, k: u32) -> f32 { return ${loadA}; }
fn loadB(bz: u32, aux: u32, k: u32, n: u32) -> f32 { return ${nib('B', B.at('k / 2u', 'n'))} * ${scaleAt('SB', SB, 'n', 'k')}; }
fn storeC(bz: u32, aux: u32, m: u32, n: u32, acc: f32) {
  let v = acc${AL ? ` * bitcast<f32>(AL[${AL.off}])` : ''};
  ${storeStmt('O', plan.outDtype, O.at('m', 'n'), 'v')}
}`;
  launchGemm(rt, {
    op: 'mmFp4',
    operands: [
      { name: 'A', t: args.a, arg: 'mmFp4.a' },
      { name: 'B', t: args.b, arg: 'mmFp4.b' },
      ...(SA ? [{ name: 'SA', t: args.aScale!, arg: 'mmFp4.aScale' }] : []),
      { name: 'SB', t: args.bScale, arg: 'mmFp4.bScale' },
      ...(AL ? [{ name: 'AL', t: args.alpha!, arg: 'mmFp4.alpha' }] : []),
      { name: 'O', t: out, arg: 'mmFp4.out', write: true, store: plan.outDtype },
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
