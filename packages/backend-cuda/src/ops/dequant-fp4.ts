import { fail, type KernelFn } from '@gemmkit/core';
import { ENC, typeCode } from './codes.js';
import { addr, cdiv, i32, i64, kernelFrom, outTensor, requireContiguous, rtOf } from './common.js';
import { withDenseInputs } from './dense-inputs.js';
import { QUANT } from './quant-launch.js';

/** dequantFp4: out = e2m1 · scale(row, k / block) / globalScale, linear or 128x4-swizzled scales. */
export const dequantFp4: KernelFn<'dequantFp4'> = (plan, args, kctx) => {
  const rt = rtOf(kctx);
  const out = outTensor(kctx, args.out, plan.outDtype, plan.valueShape);
  requireContiguous(out, 'dequantFp4.out');
  if (plan.rows * plan.k === 0) return out;
  if (plan.k % 2 !== 0)
    fail('E_SHAPE', 'K must be even for packed e2m1 pairs', { arg: 'dequantFp4.x', actual: plan.k });
  const n = plan.rows * plan.k;
  const k = kernelFrom(rt, QUANT, 'gk_dequant_fp4');
  // The kernel indexes x and the scales densely: strided views are gathered first.
  withDenseInputs(kctx, (d) =>
    k.launch({
      grid: [Math.min(cdiv(n, 256), 65535)],
      block: [256],
      args: [
        addr(rt, d.dense(args.x, 'dequantFp4.x'), 'dequantFp4.x'),
        i64(plan.rows),
        i32(plan.k),
        addr(rt, d.dense(args.scale, 'dequantFp4.scale'), 'dequantFp4.scale'),
        i32(plan.scaleDtype === 'e4m3' ? ENC.e4m3 : ENC.ue8m0),
        i32(plan.block),
        i32(plan.layout === 'swizzle128x4' ? 1 : 0),
        addr(rt, args.globalScale, 'dequantFp4.globalScale'),
        addr(rt, out, 'dequantFp4.out'),
        i32(typeCode(plan.outDtype, 'dequantFp4.outDtype')),
        i64(plan.k),
      ],
    }),
  );
  return out;
};
