import { dtypeBytes } from './dtype.js';
import { HostStorage } from './storage.js';
import { Tensor } from './tensor.js';

/**
 * Row-major bytes of `t` if they can be had synchronously right now: host tensors directly, device tensors
 * whose storage offers `readSync` (CUDA) through one blocking copy of the addressed span. `null` when the
 * storage cannot be read synchronously (WebGPU) or was disposed: the caller then relies on the device-side
 * status word. Used only by `validate: 'full'`, never on the fast path (a device read waits for the queue).
 */
export function readBytesSync(t: Tensor): Uint8Array | null {
  if (t.disposed) return null;
  if (t.storage instanceof HostStorage) return t.hostBytes();
  const read = t.storage.readSync;
  if (typeof read !== 'function') return null;
  if (t.numel === 0) return new Uint8Array(0);
  const eb = dtypeBytes(t.dtype);
  const raw = read.call(t.storage, t.offset * eb, t.spanElements() * eb);
  // Rebase the view over the copied span and gather it into row-major order (strided views included).
  return new Tensor(t.dtype, t.shape, new HostStorage(raw), t.strides, 0).hostBytes();
}
