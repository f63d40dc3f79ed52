import type { Fp4Plan, KernelContext, Tensor } from '@gemmkit/core';
import { typeCode } from './codes.js';
import { addr, cdiv, f64, i32, i64, kernelFrom, outTensor, requireContiguous, rtOf } from './common.js';
import { withDenseInputs } from './dense-inputs.js';
import { leadStride, QUANT, rowsView } from './quant-launch.js';

export interface Fp4Launch {
  op: string;
  plan: Fp4Plan;
  x: Tensor;
  out?: Tensor;
  outScale?: Tensor;
  nvfp4: boolean;
  /** NVFP4: given encode-side global scale, or the device amax word to derive it from. */
  globalIn?: Tensor;
  amaxPtr?: bigint;
  globalOut?: Tensor;
  eps: number;
  mxRounding: 0 | 1;
}

/** gk_quant_fp4 (kernels/quant.cu): one thread per (row, block) of the (padded) scale grid. */
export function launchQuantFp4(kctx: KernelContext, l: Fp4Launch): { data: Tensor; scale: Tensor } {
  const rt = rtOf(kctx);
  const { plan } = l;
  const data = outTensor(kctx, l.out, 'e2m1x2', plan.dataShape);
  const scale = outTensor(kctx, l.outScale, l.nvfp4 ? 'e4m3' : 'ue8m0', plan.scaleShape);
  requireContiguous(data, `${l.op}.out`);
  requireContiguous(scale, `${l.op}.outScale`);
  // A rank-3 x is read through its three strides; other ranks through one row stride (else gathered).
  withDenseInputs(kctx, (dense) => {
    const x = l.x.shape.length === 3 ? l.x : rowsView(dense, l.x, l.op);
    const r = x.shape.length;
    // Row r of the flattened [rows, K] input sits at (r / m) * xb + (r % m) * xm.
    const m = r === 3 ? x.shape[1] : plan.rows;
    const xb = r === 3 ? x.strides[0] : 0;
    const xm = r === 3 ? x.strides[1] : leadStride(x, l.op);
    const swz = plan.layout === 'swizzle128x4';
    const kbc = cdiv(plan.k, plan.block);
    const cells = (swz ? cdiv(plan.rows, 128) * 128 * cdiv(kbc, 4) * 4 : plan.rows * kbc) || 0;
    if (cells > 0) {
      const k = kernelFrom(rt, QUANT, 'gk_quant_fp4');
      k.launch({
        grid: [cdiv(cells, 256)],
        block: [256],
        args: [
          addr(rt, x, `${l.op}.x`),
          i32(typeCode(x.dtype, `${l.op}.x`)),
          i32(Math.max(1, m)),
          i64(plan.rows),
          i32(plan.k),
          i64(xb),
          i64(xm),
          i64(x.strides[r - 1]),
          addr(rt, data, `${l.op}.out`),
          addr(rt, scale, `${l.op}.outScale`),
          i32(swz ? 1 : 0),
          i32(l.nvfp4 ? 1 : 0),
          addr(rt, l.globalIn, `${l.op}.globalScale`),
          l.amaxPtr ?? 0n,
          addr(rt, l.globalOut, `${l.op}.outGlobalScale`),
          f64(l.eps),
          i32(l.mxRounding),
        ],
      });
    }
  });
  return { data, scale };
}
