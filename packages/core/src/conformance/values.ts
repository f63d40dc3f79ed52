import { nanTensor } from '../random.js';
import { HostStorage } from '../storage.js';
import { Tensor } from '../tensor.js';

/**
 * A fresh host tensor with the same view (shape, strides, offset) as host tensor `t`:
 * 'poison' fills the addressed span with NaN (poison sentinels for non-float dtypes), 'copy' copies `t`'s span.
 */
export function freshView(t: Tensor, fill: 'poison' | 'copy'): Tensor {
  const span = t.spanElements();
  if (fill === 'poison')
    return new Tensor(t.dtype, t.shape, nanTensor(t.dtype, [span]).storage, t.strides, 0);
  const flat = new Tensor(t.dtype, [span], t.storage, [1], t.offset);
  return new Tensor(t.dtype, t.shape, new HostStorage(flat.hostBytes().slice()), t.strides, 0);
}
