import { fail, type KernelContext, type Tensor } from '@gemmkit/core';
import { ENC, T, typeCode } from './codes.js';
import { addr, cdiv, f64, i32, i64, kernelFrom, rtOf } from './common.js';
import { type DenseInputs, withDenseInputs } from './dense-inputs.js';
import { KERNEL_INSTANCES } from './instances.js';

export const QUANT = (() => {
  const q = KERNEL_INSTANCES.find((i) => i.file === 'quant.cu');
  if (!q) return fail('E_UNSUPPORTED', 'quant.cu missing from KERNEL_INSTANCES', { arg: 'quant.cu' });
  return q;
})();

/** [B, M, K] view of a rank-2 or rank-3 tensor: (batch, m, k) and element strides (xb, xm, xk). */
export function bmk(x: Tensor): { b: number; m: number; k: number; s: [number, number, number] } {
  const r = x.shape.length;
  if (r === 2) return { b: 1, m: x.shape[0], k: x.shape[1], s: [0, x.strides[0], x.strides[1]] };
  if (r === 3)
    return { b: x.shape[0], m: x.shape[1], k: x.shape[2], s: [x.strides[0], x.strides[1], x.strides[2]] };
  return fail('E_SHAPE', 'expected a rank-2 or rank-3 tensor', {
    arg: 'x',
    expected: 'rank 2 or 3',
    actual: x.shape,
  });
}

export interface Fp8QuantLaunch {
  x: Tensor;
  out: Tensor;
  /** Scale tensor; strides along (batch, m-block, k-block) of the scale grid. */
  scale: Tensor;
  scaleStrides: [number, number, number];
  scaleEnc: number;
  block: [number, number];
  outDtype: 'e4m3' | 'e5m2';
  ue8m0: boolean;
  eps: number;
  /** 0: per-group scales; 1: given scale tensor; 2: from the per-tensor amax word. */
  mode: 0 | 1 | 2;
  scaleIn?: Tensor;
  amax?: bigint;
}

/** gk_quant_fp8 over a [B, M, K] view (kernels/quant.cu). */
export function launchQuantFp8(kctx: KernelContext, op: string, q: Fp8QuantLaunch): void {
  const rt = rtOf(kctx);
  const v = bmk(q.x);
  const o = bmk(q.out);
  // Per-group mode: one CTA per scale block; otherwise 16 x 256 work tiles.
  const [tm, tk] = q.mode === 0 ? q.block : [16, 256];
  const k = kernelFrom(rt, QUANT, 'gk_quant_fp8');
  k.launch({
    grid: [Math.max(1, cdiv(v.k, tk)), Math.max(1, cdiv(v.m, tm)), Math.max(1, v.b)],
    block: [256],
    args: [
      addr(rt, q.x, `${op}.x`),
      i32(typeCode(q.x.dtype, `${op}.x`)),
      i32(v.b),
      i32(v.m),
      i32(v.k),
      i64(v.s[0]),
      i64(v.s[1]),
      i64(v.s[2]),
      addr(rt, q.out, `${op}.out`),
      i64(o.s[0]),
      i64(o.s[1]),
      i64(o.s[2]),
      addr(rt, q.scale, `${op}.outScale`),
      i64(q.scaleStrides[0]),
      i64(q.scaleStrides[1]),
      i64(q.scaleStrides[2]),
      i32(q.scaleEnc),
      i32(tm),
      i32(tk),
      i32(q.outDtype === 'e4m3' ? T.e4m3 : T.e5m2),
      i32(q.ue8m0 ? 1 : 0),
      f64(q.eps),
      i32(q.mode),
      addr(rt, q.scaleIn, `${op}.scale`),
      q.amax ?? 0n,
    ],
  });
}

/** Zeroed u32 word on the device + gk_amax over `x` (any rank and strides, flattened to [rows, last]). */
export function launchAmax(kctx: KernelContext, op: string, given: Tensor): { word: Tensor; ptr: bigint } {
  return withDenseInputs(kctx, (d) => launchAmaxRows(kctx, op, rowsView(d, given, op)));
}

function launchAmaxRows(kctx: KernelContext, op: string, x: Tensor): { word: Tensor; ptr: bigint } {
  const rt = rtOf(kctx);
  const word = kctx.backend.empty('u8', [4]);
  const ptr = rt.tensorAddress(word, `${op}.amax`);
  rt.fill(ptr, 0, 4);
  const r = x.shape.length;
  // Flatten leading dims: rows = prod(shape[..-1]); supported when the leading dims collapse to one stride.
  const k = r === 0 ? 1 : x.shape[r - 1];
  const xk = r === 0 ? 1 : x.strides[r - 1];
  let rows = 1;
  for (let i = 0; i < r - 1; i++) rows *= x.shape[i];
  const lead = leadStride(x, op);
  const kern = kernelFrom(rt, QUANT, 'gk_amax');
  kern.launch({
    grid: [Math.max(1, Math.min(rows, 4096))],
    block: [256],
    args: [
      addr(rt, x, `${op}.x`),
      i32(typeCode(x.dtype, `${op}.x`)),
      i32(1),
      i32(rows),
      i32(k),
      i64(0),
      i64(lead),
      i64(xk),
      ptr,
    ],
  });
  return { word, ptr };
}

/** Whether the leading dims of `x` collapse into one row stride (the [rows, last] view the kernels take). */
export function leadCollapses(x: Tensor): boolean {
  const r = x.shape.length;
  if (r <= 1 || x.numel === 0) return true; // an empty view places no element
  let expect = x.strides[r - 2];
  for (let i = r - 2; i >= 0; i--) {
    if (x.shape[i] !== 1 && x.strides[i] !== expect) return false;
    expect = x.strides[i] * x.shape[i];
  }
  return true;
}

/** Stride between consecutive rows when the leading dims of `x` collapse into one; else E_LAYOUT. */
export function leadStride(x: Tensor, op: string): number {
  if (!leadCollapses(x))
    fail('E_LAYOUT', 'leading dimensions must collapse into one row stride for the CUDA quantizer', {
      arg: `${op}.x`,
      expected: 'row-major leading dims',
      actual: x.strides,
    });
  return x.shape.length <= 1 ? 0 : x.strides[x.shape.length - 2];
}

/** `x` when its leading dims collapse into one row stride, else a dense copy (any strides are allowed). */
export function rowsView(d: DenseInputs, x: Tensor, op: string): Tensor {
  return leadCollapses(x) ? x : d.dense(x, `${op}.x`);
}

export const SCALE_ENC = (d: 'f32' | 'ue8m0') => (d === 'f32' ? ENC.f32 : ENC.ue8m0);
