import { checkTensor } from '../check.js';
import { fail } from '../errors.js';
import { defineOp } from '../op.js';
import type { Tensor } from '../tensor.js';
import { blockOption, checkOut, FP8_DTYPES, option } from './quant-common.js';
import { ceilDiv } from './quant-layout.js';

export interface DequantFp8Args {
  /** FP8 data: any rank >= 1 for a per-tensor scale; `[M, K]` or `[B, M, K]` with `block`. Any strides. */
  x: Tensor;
  /** f32 or ue8m0 scales: one element (per-tensor), or `[.., ceil(M/block[0]), ceil(K/block[1])]` any strides. */
  scale: Tensor;
  /** Block `[rows, cols]` of one scale: `[1, 128]` per-token, `[128, 128]` per-block. Absent: per-tensor. */
  block?: readonly [number, number];
  /** Output dtype (default 'f32'). */
  outDtype?: 'f32' | 'f16' | 'bf16';
  out?: Tensor;
}

export interface DequantFp8Plan {
  batch: number;
  m: number;
  k: number;
  block: [number, number];
  perTensor: boolean;
  inDtype: 'e4m3' | 'e5m2';
  scaleDtype: 'f32' | 'ue8m0';
  outDtype: 'f32' | 'f16' | 'bf16';
  shape: number[];
}

export const dequantFp8 = defineOp<DequantFp8Args, DequantFp8Plan, Tensor>({
  name: 'dequantFp8',
  doc:
    'FP8 dequantization: out = round_out(fp8(x) · s(block of x)) with s decoded exactly (f32, or ue8m0 byte b ' +
    '→ 2^(b-127)); the product is exact in float64 and rounded once to the output dtype (RNE). ' +
    'Per-tensor when `block` is absent (scale has one element).',
  validate(args) {
    const op = 'dequantFp8';
    checkTensor(args.x, `${op}.x`);
    checkTensor(args.scale, `${op}.scale`);
    if (!(FP8_DTYPES as readonly string[]).includes(args.x.dtype))
      fail('E_DTYPE', 'expected FP8 data', { arg: `${op}.x`, expected: FP8_DTYPES, actual: args.x.dtype });
    const scaleDtype = args.scale.dtype;
    if (scaleDtype !== 'f32' && scaleDtype !== 'ue8m0')
      fail('E_DTYPE', 'scales must be f32 or ue8m0', {
        arg: `${op}.scale`,
        expected: ['f32', 'ue8m0'],
        actual: scaleDtype,
      });
    const outDtype = option(args.outDtype, `${op}.outDtype`, ['f32', 'f16', 'bf16'] as const, 'f32');
    const x = args.x;
    const shape = [...x.shape];
    let plan: DequantFp8Plan;
    if (args.block === undefined) {
      if (x.rank < 1)
        fail('E_SHAPE', 'wrong rank', { arg: `${op}.x`, expected: 'rank >= 1', actual: x.shape });
      if (args.scale.numel !== 1)
        fail('E_SHAPE', 'a per-tensor scale holds one element (pass `block` for blockwise scales)', {
          arg: `${op}.scale`,
          expected: '1 element',
          actual: args.scale.shape,
        });
      const n = x.numel;
      plan = { batch: 1, m: 1, k: n, block: [1, Math.max(n, 1)], perTensor: true } as DequantFp8Plan;
    } else {
      if (!Array.isArray(args.block) || args.block.length !== 2)
        fail('E_UNSUPPORTED', 'block must be [rows, cols]', {
          arg: `${op}.block`,
          expected: '[rows, cols]',
          actual: args.block,
        });
      const block: [number, number] = [
        blockOption(args.block[0], `${op}.block`, 1),
        blockOption(args.block[1], `${op}.block`, 1),
      ];
      if (x.rank !== 2 && x.rank !== 3)
        fail('E_SHAPE', 'wrong rank', { arg: `${op}.x`, expected: 'rank in [2, 3]', actual: x.shape });
      const batch = x.rank === 3 ? x.shape[0] : 1;
      const [m, k] = x.shape.slice(-2);
      const want = [...(x.rank === 3 ? [batch] : []), ceilDiv(m, block[0]), ceilDiv(k, block[1])];
      if (args.scale.rank !== want.length || args.scale.shape.some((d, i) => d !== want[i]))
        fail('E_SHAPE', 'scale shape does not match x and block', {
          arg: `${op}.scale`,
          expected: want,
          actual: args.scale.shape,
        });
      plan = { batch, m, k, block, perTensor: false } as DequantFp8Plan;
    }
    checkOut(args.out, `${op}.out`, outDtype, shape);
    return { ...plan, inDtype: x.dtype as 'e4m3' | 'e5m2', scaleDtype, outDtype, shape };
  },
  flops: (p) => p.batch * p.m * p.k,
  bytes: (p) => p.batch * p.m * p.k * (1 + (p.outDtype === 'f32' ? 4 : 2)),
});
