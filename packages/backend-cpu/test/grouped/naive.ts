/**
 * An independent reading of tensors for the grouped-op tests: element addresses from shape/strides/offset,
 * decoding from the bit-level definitions of each format written out here (not the core codec), so the
 * tests do not share code with the kernels they check.
 */
import type { HostStorage, Tensor } from '@gemmkit/core';

const views = new WeakMap<object, DataView>();
function bytesOf(t: Tensor): DataView {
  const s = t.storage as HostStorage;
  let v = views.get(s.bytes);
  if (!v) {
    v = new DataView(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength);
    views.set(s.bytes, v);
  }
  return v;
}

function offsetOf(t: Tensor, idx: readonly number[]): number {
  let off = t.offset;
  idx.forEach((i, d) => {
    off += i * t.strides[d];
  });
  return off;
}

export function e4m3(b: number): number {
  const sign = b & 0x80 ? -1 : 1;
  const e = (b >> 3) & 15;
  const m = b & 7;
  if (e === 15 && m === 7) return Number.NaN;
  return sign * (e === 0 ? (m / 8) * 2 ** -6 : (1 + m / 8) * 2 ** (e - 7));
}

export function e5m2(b: number): number {
  const sign = b & 0x80 ? -1 : 1;
  const e = (b >> 2) & 31;
  const m = b & 3;
  if (e === 31) return m ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (e === 0 ? (m / 4) * 2 ** -14 : (1 + m / 4) * 2 ** (e - 15));
}

export function f16(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 31;
  const m = h & 1023;
  if (e === 31) return m ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (e === 0 ? (m / 1024) * 2 ** -14 : (1 + m / 1024) * 2 ** (e - 15));
}

export function bf16(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 7) & 255;
  const m = h & 127;
  if (e === 255) return m ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (e === 0 ? (m / 128) * 2 ** -126 : (1 + m / 128) * 2 ** (e - 127));
}

/** The value of element `idx` of a host tensor. */
export function at(t: Tensor, ...idx: number[]): number {
  const v = bytesOf(t);
  const o = offsetOf(t, idx);
  switch (t.dtype) {
    case 'e4m3':
      return e4m3(v.getUint8(o));
    case 'e5m2':
      return e5m2(v.getUint8(o));
    case 'u8':
      return v.getUint8(o);
    case 'f16':
      return f16(v.getUint16(2 * o, true));
    case 'bf16':
      return bf16(v.getUint16(2 * o, true));
    case 'f32':
      return v.getFloat32(4 * o, true);
    case 'i32':
      return v.getInt32(4 * o, true);
    case 'i64':
      return Number(v.getBigInt64(8 * o, true));
    default:
      throw new Error(`naive reader: dtype ${t.dtype}`);
  }
}

/** Raw bits of element `idx` (to prove untouched elements keep their exact bytes). */
export function bitsAt(t: Tensor, ...idx: number[]): number {
  const v = bytesOf(t);
  const o = offsetOf(t, idx);
  const eb = t.dtype === 'f32' || t.dtype === 'i32' ? 4 : t.dtype === 'f16' || t.dtype === 'bf16' ? 2 : 1;
  return eb === 4 ? v.getUint32(4 * o, true) : eb === 2 ? v.getUint16(2 * o, true) : v.getUint8(o);
}

/** Half an ulp of the output format at |x| (round-to-nearest bound), plus float64 slack. */
export function roundingBound(dtype: string, x: number): number {
  const bits = dtype === 'bf16' ? 8 : dtype === 'f16' ? 11 : 24;
  const minNormal = dtype === 'bf16' ? 2 ** -126 : dtype === 'f16' ? 2 ** -14 : 2 ** -126;
  const mag = Math.max(Math.abs(x), minNormal);
  return mag * 2 ** -bits + 1e-12 * Math.abs(x);
}

/**
 * Compare `got[...idx]` with `want(idx)`; `want` returns null for elements that must be untouched (still the
 * poison NaN), or `-Infinity` for cleaned logits. Returns a list of mismatch descriptions (empty = pass).
 */
export function compare(got: Tensor, want: (idx: number[]) => number | null, limit = 5): string[] {
  const errs: string[] = [];
  const rank = got.rank;
  const idx = new Array<number>(rank).fill(0);
  const n = got.shape.reduce((a, b) => a * b, 1);
  for (let i = 0; i < n && errs.length < limit; i++) {
    const g = at(got, ...idx);
    const w = want([...idx]);
    if (w === null) {
      if (!Number.isNaN(g)) errs.push(`[${idx}] should be untouched (NaN), got ${g}`);
    } else if (!Number.isFinite(w)) {
      if (!Object.is(g, w)) errs.push(`[${idx}] expected ${w}, got ${g}`);
    } else if (!(Math.abs(g - w) <= roundingBound(got.dtype, w)))
      errs.push(`[${idx}] expected ${w}, got ${g}`);
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < got.shape[d]) break;
      idx[d] = 0;
    }
  }
  return errs;
}
