import { HostStorage } from '../../storage.js';
import type { Tensor } from '../../tensor.js';

/**
 * Values of an integer index tensor (i32 or i64) in row-major logical order, read straight from its host
 * bytes honoring strides and offset. Returns `null` when the data is not host-readable (device storage or a
 * non-integer dtype): 'full' validation can only check index data it can read synchronously.
 */
export function hostIndexValues(t: Tensor): number[] | null {
  if (!(t.storage instanceof HostStorage) || t.storage.disposed) return null;
  if (t.dtype !== 'i32' && t.dtype !== 'i64') return null;
  const bytes = t.storage.bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eb = t.dtype === 'i64' ? 8 : 4;
  const n = t.numel;
  const out = new Array<number>(n);
  if (n === 0) return out;
  const rank = t.rank;
  const idx = new Array<number>(rank).fill(0);
  let at = t.offset;
  for (let i = 0; i < n; i++) {
    out[i] = eb === 4 ? view.getInt32(at * 4, true) : Number(view.getBigInt64(at * 8, true));
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      at += t.strides[d];
      if (idx[d] < t.shape[d]) break;
      at -= t.strides[d] * t.shape[d];
      idx[d] = 0;
    }
  }
  return out;
}
