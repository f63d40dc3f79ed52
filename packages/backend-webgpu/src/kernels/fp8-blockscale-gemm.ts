import type { KernelFn, Tensor } from '@gemmkit/core';
import { loadExpr, storeStmt } from '../wgsl/common.js';
import { quantFp8Blocks } from './fp8-block-quant.js';
import { launchGemm } from './gemm-launch.js';
import { outputOf, runtimeOf } from './launch.js';
import { Params } from './params.js';

const OP = 'fp8BlockscaleGemm';

/**
 * DeepSeek block-scaled GEMM. A bf16 operand is first quantized on the device exactly like
 * quantPerTokenFp8 (1x128, e4m3, eps 1e-4, f32 scales) into temporaries; then the shared GEMM family
 * multiplies the dequantized values.
 */
export const fp8BlockscaleGemm: KernelFn<'fp8BlockscaleGemm'> = (plan, args, kctx) => {
  const rt = runtimeOf(kctx);
  const be = kctx.backend;
  const out = outputOf(kctx, args.out, 'bf16', plan.outShape);
  const kb = Math.ceil(plan.k / 128);
  const temps: Tensor[] = [];
  const quantized = (x: Tensor, rows: number, arg: string): [Tensor, Tensor] => {
    const data = be.empty('e4m3', [rows, plan.k]);
    const scale = be.empty('f32', [rows, kb]);
    temps.push(data, scale);
    quantFp8Blocks(rt, {
      op: `${OP}.${arg}`,
      x,
      batch: 1,
      m: rows,
      k: plan.k,
      block: [1, 128],
      outDtype: 'e4m3',
      ue8m0: false,
      eps: 1e-4,
      data,
      scale,
      scaleDtype: 'f32',
    });
    return [data, scale];
  };
  const [a, sa] =
    plan.inputQuant === 'internal' ? quantized(args.input, plan.m, 'input') : [args.input, args.inputScale!];
  const [w, sw] =
    plan.weightQuant === 'internal'
      ? quantized(args.weight, plan.n, 'weight')
      : [args.weight, args.weightScale!];
  const wRowDiv = plan.weightQuant === 'given' && plan.weightGranularity === '128x128' ? 128 : 1;
  const p = new Params();
  const M = p.u32(plan.m);
  const N = p.u32(plan.n);
  const K = p.u32(plan.k);
  const A = p.tensor(a);
  const B = p.tensor(w);
  const SA = p.tensor(sa);
  const SB = p.tensor(sw);
  const O = p.tensor(out);
  const body = `
fn setup(bz: u32, m0: u32, n0: u32) -> vec4<u32> { return vec4<u32>(${M}, ${N}, ${K}, 0u); }
fn loadA(bz: u32, aux: u32, m: u32, k: u32) -> f32 {
  return ${loadExpr('A', 'e4m3', A.at('m', 'k'))} * bitcast<f32>(SA[${SA.at('m', 'k / 128u')}]);
}
fn loadB(bz: u32, aux: u32, k: u32, n: u32) -> f32 {
  return ${loadExpr('B', 'e4m3', B.at('n', 'k'))} * bitcast<f32>(SB[${SB.at(`n / ${wRowDiv}u`, 'k / 128u')}]);
}
fn storeC(bz: u32, aux: u32, m: u32, n: u32, acc: f32) { ${storeStmt('O', 'bf16', O.at('m', 'n'), 'acc')} }`;
  launchGemm(rt, {
    op: OP,
    operands: [
      { name: 'A', t: a, arg: `${OP}.input` },
      { name: 'B', t: w, arg: `${OP}.weight` },
      { name: 'SA', t: sa, arg: `${OP}.inputScale` },
      { name: 'SB', t: sw, arg: `${OP}.weightScale` },
      { name: 'O', t: out, arg: `${OP}.out`, write: true, store: 'bf16' },
    ],
    params: p,
    body,
    maxM: plan.m,
    maxN: plan.n,
    batches: 1,
    bKContiguous: true,
  });
  for (const t of temps) t.dispose();
  return out;
};
