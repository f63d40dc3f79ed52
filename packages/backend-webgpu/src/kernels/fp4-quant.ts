import type { Fp4Plan, KernelContext, Tensor } from '@gemmkit/core';
import { loadExpr } from '../wgsl/common.js';
import { WGSL_QUANT_RULES } from '../wgsl/quant.js';
import { fp4ScaleIndex } from './fp4-scale.js';
import { runtimeOf } from './launch.js';
import { launchMap } from './map-launch.js';
import { linearAt, Params } from './params.js';

export interface Fp4QuantJob {
  op: string;
  plan: Fp4Plan;
  x: Tensor;
  data: Tensor;
  scale: Tensor;
  /** NVFP4: the encode-side global scale g (f32 [1], on the device) and where to write it; MXFP4: null. */
  nvfp4: { g: Tensor; gFromAmax: boolean; eps: number; outG: Tensor } | null;
  rounding?: 'up' | 'ocp';
}

/** Zero the padding bytes of a 128x4-swizzled scale tensor (valid bytes are written by the quantizer). */
function zeroSwizzlePadding(
  kctx: KernelContext,
  op: string,
  scale: Tensor,
  rows: number,
  cols: number,
): void {
  const p = new Params();
  const R = p.u32(rows);
  const C = p.u32(cols);
  const CP4 = p.u32(Math.ceil(cols / 4));
  const O = p.u32(scale.offset);
  launchMap(runtimeOf(kctx), {
    op: `${op}.padding`,
    operands: [{ name: 'O', t: scale, arg: `${op}.outScale`, write: true, atomic: true }],
    params: p,
    body: `fn item(i: u32) {
  let blk = i / 512u; let w = i % 512u;
  let r = (blk / ${CP4}) * 128u + ((w % 16u) / 4u) * 32u + w / 16u;
  let c = (blk % ${CP4}) * 4u + w % 4u;
  if (r >= ${R} || c >= ${C}) { O_put8(${O} + i, 0u); }
}`,
    count: scale.numel,
  });
}

/**
 * One invocation per (row, block): amax of the block, its scale (NVFP4 e4m3 sf = e4m3(g·amax/6); MXFP4
 * shared exponent by the 'up' or 'ocp' rule), then each value rounded to e2m1 and packed (low nibble = even).
 */
export function quantFp4(kctx: KernelContext, j: Fp4QuantJob): void {
  const rt = runtimeOf(kctx);
  const { plan } = j;
  const cols = plan.k / plan.block;
  if (plan.layout === 'swizzle128x4') zeroSwizzlePadding(kctx, j.op, j.scale, plan.rows, cols);
  const p = new Params();
  const K = p.u32(plan.k);
  const C = p.u32(cols);
  const CP = p.u32(Math.ceil(cols / 4) * 4);
  const xi = linearAt(p, j.x, 'row * @K@ + @X@');
  const di = linearAt(p, j.data, 'row * (@K@ / 2u) + c / 2u');
  const sOff = p.u32(j.scale.offset);
  const sLin = plan.layout === 'linear' ? linearAt(p, j.scale, 'row * @C@ + kb') : '';
  const si = fp4ScaleIndex(plan.layout, sOff, CP, 'row', 'kb', () => sLin);
  const B = plan.block;
  const TOTAL = p.u32(plan.rows * cols);
  const site = p.u32(rt.site(j.op, 'globalScale', 'global scale must be finite and > 0'));
  const x = (c: string) => loadExpr('X', j.x.dtype, xi.replaceAll('@X@', c));
  let prologue: string;
  let scaleStmt: string;
  let mult: string;
  if (j.nvfp4) {
    const gi = linearAt(p, j.nvfp4.g, '0u');
    const gw = linearAt(p, j.nvfp4.outG, '0u');
    const EPS = p.f32(j.nvfp4.eps);
    prologue = `let g = ${j.nvfp4.gFromAmax ? `2688.0 / max(bitcast<f32>(G[${gi}]), ${EPS})` : `bitcast<f32>(G[${gi}])`};
  if (i == 0u) {
    GO[${gw}] = bitcast<u32>(g);
    ${j.nvfp4.gFromAmax ? '' : `if (!(g > 0.0 && g <= 3.4028234663852886e38)) { raise_status(${site}, bitcast<u32>(g)); }`}
  }
  if (i >= ${TOTAL}) { return; }
  let code = enc_e4m3(g * amax / 6.0, true);
  let sf = dec_e4m3(code);`;
    scaleStmt = 'SC_put8(SIDX, code);';
    mult = 'select(0.0, g / sf, sf != 0.0)';
  } else {
    const up = j.rounding !== 'ocp';
    prologue = `if (i >= ${TOTAL}) { return; }
  var e = -127i;
  if (amax > 0.0) {
    ${up ? 'e = ceil_exp_over(amax, 6.0);' : 'e = clamp(i32((bitcast<u32>(amax) >> 23u) & 255u) - 127i - 2i, -127i, 127i);'}
  }`;
    scaleStmt = 'SC_put8(SIDX, u32(e + 127i));';
    mult = 'ldexp(1.0, -e)';
  }
  const body = `${WGSL_QUANT_RULES}
fn item(i: u32) {
  let row = i / ${C}; let kb = i % ${C};
  let c0 = kb * ${B}u;
  var amax = 0.0;
  if (i < ${TOTAL}) {
    for (var t = 0u; t < ${B}u; t++) { let cc = c0 + t; amax = max(amax, abs(${x('cc')})); }
  }
  ${prologue}
  ${scaleStmt.replace('SIDX', si)}
  let mul = ${mult};
  for (var t = 0u; t < ${B}u; t += 2u) {
    let ca = c0 + t; let cb = ca + 1u;
    let lo = enc_e2m1(${x('ca')} * mul);
    let hi = enc_e2m1(${x('cb')} * mul);
    let c = ca;
    D_put8(${di}, lo | (hi << 4u));
  }
}`
    .replaceAll('@K@', K)
    .replaceAll('@C@', C);
  launchMap(rt, {
    op: j.op,
    operands: [
      { name: 'X', t: j.x, arg: `${j.op}.x` },
      ...(j.nvfp4 ? [{ name: 'G', t: j.nvfp4.g, arg: `${j.op}.globalScale` }] : []),
      { name: 'D', t: j.data, arg: `${j.op}.out`, write: true, atomic: true },
      { name: 'SC', t: j.scale, arg: `${j.op}.outScale`, write: true, atomic: true },
      ...(j.nvfp4 ? [{ name: 'GO', t: j.nvfp4.outG, arg: `${j.op}.outGlobalScale`, write: true }] : []),
    ],
    params: p,
    body,
    // One invocation at least: an empty input still gets its global scale.
    count: Math.max(1, plan.rows * cols),
    status: !!j.nvfp4 && !j.nvfp4.gFromAmax,
  });
}
