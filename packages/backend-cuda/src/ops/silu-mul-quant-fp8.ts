import type { KernelFn } from '@gemmkit/core';
import { T as TYPE, typeCode } from './codes.js';
import { addr, i32, kernelFrom, outTensor, rtOf } from './common.js';
import { grid2d, MOE_OPS } from './moe-common.js';

/** siluMulQuantFp8: one 128-thread block per (group, row) (gk_silu_mul_quant_fp8). */
export const siluMulQuantFp8: KernelFn<'siluMulQuantFp8'> = (plan, args, kctx) => {
  const rt = rtOf(kctx);
  const { m, inter: I, groupSize: G, groups } = plan;
  const data = outTensor(kctx, args.out, plan.outDtype, [m, I]);
  const scale = outTensor(kctx, args.outScale, 'f32', [m, groups]);
  if (m > 0) {
    // Row r = blockIdx.y * 65535 + blockIdx.z; groups along x.
    const [z, y] = grid2d(m);
    kernelFrom(rt, MOE_OPS, 'gk_silu_mul_quant_fp8').launch({
      grid: [groups, y, z],
      block: [128],
      args: [
        addr(rt, args.x, 'siluMulQuantFp8.x'),
        i32(typeCode(args.x.dtype, 'siluMulQuantFp8.x')),
        i32(m),
        i32(I),
        i32(G),
        i32(plan.outDtype === 'e4m3' ? TYPE.e4m3 : TYPE.e5m2),
        i32(plan.ue8m0 ? 1 : 0),
        { f32: plan.eps },
        addr(rt, args.mIndices, 'siluMulQuantFp8.mIndices'),
        addr(rt, data, 'siluMulQuantFp8.out'),
        addr(rt, scale, 'siluMulQuantFp8.outScale'),
      ],
    });
  }
  return {
    data,
    scale: { tensor: scale, granularity: [1, 1, G], major: 'K', encoding: 'f32', layout: 'linear' },
  };
};
