import { readBytesSync } from '../../read-sync.js';
import type { Tensor } from '../../tensor.js';

/**
 * Values of an integer index tensor (i32 or i64) in row-major logical order, honoring strides and offset.
 * Host tensors are read in place; device tensors whose storage can be read synchronously (CUDA) are copied
 * once, so 'full' validation checks device-resident index data exactly like host data. Returns `null` when
 * the data cannot be read synchronously (WebGPU storage, disposed) or the dtype is not an index dtype: the
 * kernels' device-side status word is then the only check.
 */
export function hostIndexValues(t: Tensor): number[] | null {
  if (t.dtype !== 'i32' && t.dtype !== 'i64') return null;
  const bytes = readBytesSync(t);
  if (!bytes) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = t.numel;
  const out = new Array<number>(n);
  if (t.dtype === 'i32') for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true);
  else for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(i * 8, true));
  return out;
}
