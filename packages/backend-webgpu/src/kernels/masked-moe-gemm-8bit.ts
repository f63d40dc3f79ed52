import { type KernelFn, SIGNAL_BLOCK_M } from '@gemmkit/core';
import { loadExpr, storeStmt } from '../wgsl/common.js';
import { GEMM_TN } from '../wgsl/gemm.js';
import { launchGemm } from './gemm-launch.js';
import { bufferOf, outputOf, runtimeOf } from './launch.js';
import { Params } from './params.js';

const OP = 'maskedMoeGemm8bit';
const BLOCK_N = 16 * GEMM_TN;

/**
 * Masked MoE GEMM: grid slice e computes rows < maskedM[e] (clamped to [0, maxM], out-of-range entries raise
 * the status). With overlap, tiles are 64 rows high and, after a tile is stored, its (expert, 64-row block)
 * counter is incremented atomically: it reaches ceil(N / 64) when the block is complete.
 */
export const maskedMoeGemm8bit: KernelFn<'maskedMoeGemm8bit'> = (plan, args, kctx) => {
  const rt = runtimeOf(kctx);
  const out = outputOf(kctx, args.out, plan.outDtype, plan.outShape);
  const [, gn, gk] = plan.granularity;
  let signal = args.signal;
  if (plan.enableOverlap && !signal) {
    signal = kctx.backend.empty('i32', [plan.numExperts * plan.signalBlocks]);
    rt.clear(bufferOf(rt, signal, `${OP}.signal`));
  }
  const p = new Params();
  const MAXM = p.u32(plan.maxM);
  const N = p.u32(plan.n);
  const K = p.u32(plan.k);
  const BLOCKS = p.u32(plan.signalBlocks);
  const site = p.u32(rt.site(OP, 'maskedM', 'maskedM entry outside [0, maxM]'));
  const A = p.tensor(args.a);
  const SA = p.tensor(args.aScale);
  const B = p.tensor(args.b);
  const SB = p.tensor(args.bScale);
  const MM = p.tensor(args.maskedM);
  const O = p.tensor(out);
  const SG = signal ? p.tensor(signal) : null;
  const body = `
fn setup(bz: u32, m0: u32, n0: u32) -> vec4<u32> {
  let raw = bitcast<i32>(MM[${MM.at('bz')}]);
  if ((raw < 0i || raw > i32(${MAXM})) && is_leader && m0 == 0u && n0 == 0u) { raise_status(${site}, bitcast<u32>(raw)); }
  return vec4<u32>(u32(clamp(raw, 0i, i32(${MAXM}))), ${N}, ${K}, 0u);
}
fn loadA(bz: u32, aux: u32, m: u32, k: u32) -> f32 {
  return ${loadExpr('A', args.a.dtype, A.at('bz', 'm', 'k'))} * bitcast<f32>(SA[${SA.at('bz', 'm', `k / ${gk}u`)}]);
}
fn loadB(bz: u32, aux: u32, k: u32, n: u32) -> f32 {
  return ${loadExpr('B', args.b.dtype, B.at('bz', 'n', 'k'))} * bitcast<f32>(SB[${SB.at('bz', `n / ${gn}u`, `k / ${gk}u`)}]);
}
fn storeC(bz: u32, aux: u32, m: u32, n: u32, acc: f32) { ${storeStmt('O', plan.outDtype, O.at('bz', 'm', 'n'), 'acc')} }
${SG ? `fn tileDone(bz: u32, aux: u32, m0: u32, n0: u32, M: u32) { atomicAdd(&SG[${SG.at(`bz * ${BLOCKS} + m0 / ${SIGNAL_BLOCK_M}u`)}], 1u); }` : ''}`;
  launchGemm(rt, {
    op: OP,
    operands: [
      { name: 'A', t: args.a, arg: `${OP}.a` },
      { name: 'SA', t: args.aScale, arg: `${OP}.aScale` },
      { name: 'B', t: args.b, arg: `${OP}.b` },
      { name: 'SB', t: args.bScale, arg: `${OP}.bScale` },
      { name: 'MM', t: args.maskedM, arg: `${OP}.maskedM` },
      { name: 'O', t: out, arg: `${OP}.out`, write: true, store: plan.outDtype },
      ...(signal ? [{ name: 'SG', t: signal, arg: `${OP}.signal`, write: true, atomic: true }] : []),
    ],
    params: p,
    body,
    maxM: plan.maxM,
    maxN: plan.n,
    batches: plan.numExperts,
    bKContiguous: true,
    status: true,
    tileDone: !!signal,
    tm: signal ? 4 : undefined,
  });
  if (!plan.enableOverlap) return out;
  return { out, signal: signal!, blockM: SIGNAL_BLOCK_M, threshold: Math.ceil(plan.n / BLOCK_N) };
};
