import { checkDtype, checkRank, checkTensor } from '../check.js';
import { dtypeBytes } from '../dtype.js';
import { defineOp } from '../op.js';
import type { Tensor } from '../tensor.js';
import { checkOut } from './quant-common.js';
import { mnMajorStrides, tmaAlignedRows } from './quant-layout.js';

export interface ScaleToMnMajorArgs {
  /** f32 or ue8m0 scales `[M, G]` or `[B, M, G]`, any strides (e.g. K-major from quantPerTokenFp8). */
  scale: Tensor;
  /** Must have the MN-major TMA-aligned strides (`mnMajorStrides`) over enough storage. */
  out?: Tensor;
}

export interface ScaleToMnMajorPlan {
  shape: number[];
  strides: number[];
  rowsPadded: number;
  /** Storage elements of the output, padding included. */
  storageElements: number;
  dtype: 'f32' | 'ue8m0';
}

export const scaleToMnMajor = defineOp<ScaleToMnMajorArgs, ScaleToMnMajorPlan, Tensor>({
  name: 'scaleToMnMajor',
  doc:
    "The TMA-aligned MN-major scale transform (DeepGEMM's get_mn_major_tma_aligned_tensor): same logical " +
    'shape [.., M, G] and values; storage per batch entry is [G, Mp] row-major with Mp = roundup(M, 16/bytes) ' +
    '(4 for f32), i.e. element (m, g) at g·Mp + m; padding rows are written as 0.',
  validate(args) {
    const op = 'scaleToMnMajor';
    checkTensor(args.scale, `${op}.scale`);
    checkDtype(args.scale, `${op}.scale`, ['f32', 'ue8m0']);
    checkRank(args.scale, `${op}.scale`, [2, 3]);
    const shape = [...args.scale.shape];
    const eb = dtypeBytes(args.scale.dtype);
    const strides = mnMajorStrides(shape, eb);
    checkOut(args.out, `${op}.out`, args.scale.dtype, shape, strides);
    const rowsPadded = tmaAlignedRows(shape[shape.length - 2], eb);
    const storageElements = (shape.length === 3 ? shape[0] : 1) * rowsPadded * shape[shape.length - 1];
    return { shape, strides, rowsPadded, storageElements, dtype: args.scale.dtype as 'f32' | 'ue8m0' };
  },
  flops: () => 0,
  bytes: (p) => 2 * p.storageElements * (p.dtype === 'f32' ? 4 : 1),
});
