import { type KernelFn, Tensor } from '@gemmkit/core';
import { ENC, T, typeCode } from './codes.js';
import { addr, cdiv, i32, i64, kernelFrom, outTensor, requireContiguous, rtOf } from './common.js';
import { withDenseInputs } from './dense-inputs.js';
import { flat2 } from './flat.js';
import { bmk, QUANT, rowsView } from './quant-launch.js';

/** dequantFp8: out = fp8 · scale(block), per tensor or per [bm, bk] block, scales read through their strides. */
export const dequantFp8: KernelFn<'dequantFp8'> = (plan, args, kctx) => {
  const rt = rtOf(kctx);
  const out = outTensor(kctx, args.out, plan.outDtype, plan.shape);
  requireContiguous(out, 'dequantFp8.out');
  // Per-tensor scaling reads x as [rows, last] through one row stride: other layouts are gathered first.
  withDenseInputs(kctx, (d) => {
    const x = plan.perTensor ? rowsView(d, args.x, 'dequantFp8') : args.x;
    let v: { b: number; m: number; k: number; s: [number, number, number] };
    let ss: [number, number, number] = [0, 0, 0];
    if (plan.perTensor) {
      const f = flat2(x, 'dequantFp8');
      v = { b: 1, m: f.rows, k: f.k, s: [0, f.rs, f.ks] };
    } else {
      v = bmk(x);
      const s = args.scale.strides;
      ss = s.length === 3 ? [s[0], s[1], s[2]] : [0, s[0], s[1]];
    }
    const n = v.b * v.m * v.k;
    if (n === 0) return;
    const o3 = new Tensor(out.dtype, [v.b, v.m, v.k], out.storage, [v.m * v.k, v.k, 1], out.offset);
    const k = kernelFrom(rt, QUANT, 'gk_dequant_fp8');
    k.launch({
      grid: [Math.min(cdiv(n, 256), 65535)],
      block: [256],
      args: [
        addr(rt, x, 'dequantFp8.x'),
        i32(typeCode(plan.inDtype, 'dequantFp8.x')),
        i32(v.b),
        i32(v.m),
        i32(v.k),
        i64(v.s[0]),
        i64(v.s[1]),
        i64(v.s[2]),
        addr(rt, args.scale, 'dequantFp8.scale'),
        i32(plan.scaleDtype === 'f32' ? ENC.f32 : ENC.ue8m0),
        i64(ss[0]),
        i64(ss[1]),
        i64(ss[2]),
        i32(plan.perTensor ? 1 : plan.block[0]),
        i32(plan.perTensor ? 1 : plan.block[1]),
        addr(rt, o3, 'dequantFp8.out'),
        i32(plan.outDtype === 'f32' ? T.f32 : typeCode(plan.outDtype, 'dequantFp8.outDtype')),
        i64(o3.strides[0]),
        i64(o3.strides[1]),
        i64(1),
      ],
    });
  });
  return out;
};
