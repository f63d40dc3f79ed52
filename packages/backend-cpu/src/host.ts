import {
  type DType,
  decodeToFloat64,
  dtypeBytes,
  encodeArray,
  fail,
  HostStorage,
  type KernelContext,
  type Shape,
  type Tensor,
} from '@gemmkit/core';

/** The backing bytes of a host tensor's storage (whole buffer; index with offset/strides). */
export function storageBytes(t: Tensor, arg = 'tensor'): Uint8Array {
  if (!(t.storage instanceof HostStorage))
    fail('E_DEVICE', 'the cpu backend computes on host tensors only', {
      arg,
      expected: 'host',
      actual: t.device,
    });
  return t.storage.bytes;
}

/**
 * Logical values of a (possibly strided) view in row-major order, decoded exactly into float64.
 * `e2m1x2` expands to two values per element (low nibble first); integers are exact up to 2^53.
 */
export function readF64(t: Tensor): Float64Array {
  if (t.isContiguous || t.numel === 0) return decodeToFloat64(t.dtype, t.hostBytes());
  // Strided view (e.g. a transposed weight): decode the addressed span once, then gather in float64 —
  // no per-element byte copies.
  const eb = dtypeBytes(t.dtype);
  const vpe = t.dtype === 'e2m1x2' ? 2 : 1;
  const span = t.spanElements();
  const bytes = storageBytes(t);
  const flat = decodeToFloat64(t.dtype, bytes.subarray(t.offset * eb, (t.offset + span) * eb));
  const out = new Float64Array(t.numel * vpe);
  const rank = t.rank;
  const idx = new Array<number>(rank).fill(0);
  const inner = t.shape[rank - 1];
  const innerStride = t.strides[rank - 1];
  let base = 0;
  for (let i = 0; i < out.length; ) {
    if (vpe === 1) for (let j = 0, at = base; j < inner; j++, at += innerStride) out[i++] = flat[at];
    else
      for (let j = 0, at = base; j < inner; j++, at += innerStride) {
        out[i++] = flat[2 * at];
        out[i++] = flat[2 * at + 1];
      }
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      base += t.strides[d];
      if (idx[d] < t.shape[d]) break;
      base -= t.strides[d] * t.shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** Integer tensor values (index data) in row-major order as float64 (exact up to 2^53). */
export function readInts(t: Tensor, arg = 'tensor'): Float64Array {
  if (t.dtype !== 'i32' && t.dtype !== 'i64' && t.dtype !== 'i8' && t.dtype !== 'u8')
    fail('E_DTYPE', 'expected an integer tensor', {
      arg,
      expected: ['i32', 'i64', 'i8', 'u8'],
      actual: t.dtype,
    });
  return decodeToFloat64(t.dtype, t.hostBytes());
}

/** Copy row-major bytes `src` into the (possibly strided) view `t`. */
export function scatterBytes(t: Tensor, src: Uint8Array): void {
  const dst = storageBytes(t, 'out');
  const eb = dtypeBytes(t.dtype);
  const n = t.numel;
  if (n === 0) return;
  if (t.isContiguous) {
    dst.set(src.subarray(0, n * eb), t.offset * eb);
    return;
  }
  const rank = t.rank;
  const idx = new Array<number>(rank).fill(0);
  let at = t.offset;
  for (let i = 0; i < n; i++) {
    for (let b = 0; b < eb; b++) dst[at * eb + b] = src[i * eb + b];
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      at += t.strides[d];
      if (idx[d] < t.shape[d]) break;
      at -= t.strides[d] * t.shape[d];
      idx[d] = 0;
    }
  }
}

/**
 * Round float64 `values` (row-major logical order) once to `t.dtype` and store them into the view.
 * FP8 outputs saturate to the largest finite value when `saturate` is set (the default for e4m3/e5m2).
 */
export function writeF64(t: Tensor, values: Float64Array, opts: { saturate?: boolean } = {}): void {
  const saturate = opts.saturate ?? (t.dtype === 'e4m3' || t.dtype === 'e5m2');
  scatterBytes(t, encodeArray(t.dtype, values, { saturate }));
}

/** `out` if given (already validated by the contract), else a fresh tensor from the backend. */
export function outputTensor(
  kctx: KernelContext,
  out: Tensor | undefined,
  dtype: DType,
  shape: Shape,
): Tensor {
  return out ?? kctx.backend.empty(dtype, shape);
}
