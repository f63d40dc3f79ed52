import type { KernelContext, Tensor } from '@gemmkit/core';
import { addr, cdiv, i32, i64, kernelFrom, rtOf } from './common.js';
import { QUANT } from './quant-launch.js';

/** gk_scale_transform (kernels/quant.cu): 0 linear -> swizzle128x4, 1 swizzle -> linear, 2 K-major -> MN-major. */
export function launchScaleTransform(
  kctx: KernelContext,
  op: string,
  src: Tensor,
  dst: Tensor,
  mode: 0 | 1 | 2,
  dims: {
    batch: number;
    rows: number;
    cols: number;
    elem: number;
    srcBatch: number;
    dstBatch: number;
    ld: number;
  },
): void {
  const rt = rtOf(kctx);
  const prow = mode === 0 ? cdiv(dims.rows, 128) * 128 : dims.rows;
  const pcol = mode === 0 ? cdiv(dims.cols, 4) * 4 : dims.cols;
  const n = dims.batch * prow * pcol;
  if (n === 0) return;
  const k = kernelFrom(rt, QUANT, 'gk_scale_transform');
  k.launch({
    grid: [Math.min(cdiv(n, 256), 65535)],
    block: [256],
    args: [
      addr(rt, src, `${op}.scale`),
      addr(rt, dst, `${op}.out`),
      i32(mode),
      i32(dims.batch),
      i32(dims.rows),
      i32(dims.cols),
      i32(dims.elem),
      i64(dims.srcBatch),
      i64(dims.dstBatch),
      i64(dims.ld),
    ],
  });
}
