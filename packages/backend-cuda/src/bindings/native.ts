import { getKoffi } from './koffi.js';
import { type FfiU64, ffiU64 } from './types.js';

/**
 * A block of native (malloc'd) memory with a known address and a JS view over it. Needed wherever the driver
 * reads a structure that holds pointers into host memory (kernelParams arrays, CUlaunchConfig.attrs): Node
 * Buffers have no address we can read, koffi allocations do.
 */
export class NativeBuffer {
  readonly address: bigint;
  /** `address` as the cheapest FFI argument (see ffiU64). */
  readonly ffiAddress: FfiU64;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  #ptr: unknown;

  /** `align` (power of two ≤ 4096) is applied to `address` by over-allocating. */
  constructor(byteLength: number, align = 64) {
    const koffi = getKoffi();
    const total = byteLength + align;
    this.#ptr = koffi.alloc('uint8_t', total);
    const raw = koffi.address(this.#ptr);
    const pad = Number((BigInt(align) - (raw % BigInt(align))) % BigInt(align));
    this.address = raw + BigInt(pad);
    this.ffiAddress = ffiU64(this.address);
    const ab = koffi.view(this.#ptr, total);
    this.bytes = new Uint8Array(ab, pad, byteLength);
    this.view = new DataView(ab, pad, byteLength);
  }

  get byteLength(): number {
    return this.bytes.byteLength;
  }

  get disposed(): boolean {
    return this.#ptr === null;
  }

  free(): void {
    if (this.#ptr !== null) getKoffi().free(this.#ptr);
    this.#ptr = null;
  }
}
