import type { KernelContext, Tensor } from '@gemmkit/core';
import { launchStridedCopy } from './strided-copy.js';

/**
 * Dense views of op inputs for kernels that index them as row-major: an input that already is dense (or
 * empty) is used as is, any other view the contract allows is gathered into a temporary on this device.
 * Temporaries live until `release()`, which the launcher calls once the launches reading them are enqueued:
 * the caching allocator is stream-ordered, so a block handed back is only reused by later work on the stream.
 */
export class DenseInputs {
  readonly #kctx: KernelContext;
  readonly #temps: Tensor[] = [];

  constructor(kctx: KernelContext) {
    this.#kctx = kctx;
  }

  /** `t` itself when densely row-major, else a dense copy (same dtype and shape). */
  dense<T extends Tensor | undefined>(t: T, arg: string): T {
    if (!t || t.numel === 0 || t.isContiguous) return t;
    return this.#gather(t, t.dtype, arg) as T;
  }

  /** A dense i64 copy of an i32 index tensor (sign-extended), else as `dense` (i64 input kept). */
  denseI64<T extends Tensor | undefined>(t: T, arg: string): T {
    if (t?.dtype !== 'i32') return this.dense(t, arg);
    return this.#gather(t, 'i64', arg) as T;
  }

  #gather(t: Tensor, dtype: Tensor['dtype'], arg: string): Tensor {
    const tmp = this.#kctx.backend.empty(dtype, t.shape);
    this.#temps.push(tmp);
    launchStridedCopy(this.#kctx, t, tmp, arg);
    return tmp;
  }

  /** Temporaries made so far (tests inspect them). */
  get temporaries(): readonly Tensor[] {
    return this.#temps;
  }

  /** Hand every temporary back (stream-ordered: safe right after the reading launch is enqueued). */
  release(): void {
    for (const t of this.#temps.splice(0)) t.dispose();
  }
}

/** Run `body` with a DenseInputs scope; its temporaries are released however `body` returns or throws. */
export function withDenseInputs<R>(kctx: KernelContext, body: (d: DenseInputs) => R): R {
  const d = new DenseInputs(kctx);
  try {
    return body(d);
  } finally {
    d.release();
  }
}
