import type { CudaDriver } from '../bindings/driver.js';
import type { CuEvent, CuStream, DevicePtr, HostPtr } from '../bindings/types.js';

interface Slot {
  address: HostPtr;
  bytes: Uint8Array;
  /** Recorded after the last copy that used this slot; the slot is free once it completes. */
  event: CuEvent;
  used: boolean;
}

/**
 * Host↔device copies through page-locked (pinned) staging buffers. Uploads copy the caller's bytes into a
 * pinned slot and enqueue an async copy, so the caller may reuse its array at once and the copy overlaps
 * with queued kernels; two slots alternate so one fills while the other transfers. Downloads copy into a
 * slot, wait for the stream, and copy out.
 */
export class PinnedStaging {
  readonly slotBytes: number;
  readonly #driver: CudaDriver;
  readonly #stream: CuStream;
  readonly #slots: Slot[] = [];
  #next = 0;

  constructor(driver: CudaDriver, stream: CuStream, slotBytes = 16 << 20, slots = 2) {
    this.#driver = driver;
    this.#stream = stream;
    this.slotBytes = slotBytes;
    for (let i = 0; i < slots; i++) {
      const { address, bytes } = driver.memHostAlloc(slotBytes);
      this.#slots.push({ address, bytes, event: driver.eventCreate(2), used: false });
    }
  }

  #take(): Slot {
    const s = this.#slots[this.#next];
    this.#next = (this.#next + 1) % this.#slots.length;
    if (s.used) this.#driver.eventSynchronize(s.event);
    return s;
  }

  /** Enqueue `src` → device `dst` on the stream (chunked through the slots). */
  upload(dst: DevicePtr, src: Uint8Array): void {
    for (let off = 0; off < src.byteLength; off += this.slotBytes) {
      const n = Math.min(this.slotBytes, src.byteLength - off);
      const s = this.#take();
      s.bytes.set(src.subarray(off, off + n));
      this.#driver.memcpyHtoDAsync((dst + BigInt(off)) as DevicePtr, s.address, n, this.#stream);
      this.#driver.eventRecord(s.event, this.#stream);
      s.used = true;
    }
  }

  /** Wait for queued work, then copy `length` device bytes at `src` into a new array. */
  download(src: DevicePtr, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let off = 0; off < length; off += this.slotBytes) {
      const n = Math.min(this.slotBytes, length - off);
      const s = this.#take();
      this.#driver.memcpyDtoHAsync(s.address, (src + BigInt(off)) as DevicePtr, n, this.#stream);
      this.#driver.eventRecord(s.event, this.#stream);
      this.#driver.eventSynchronize(s.event);
      s.used = false;
      out.set(s.bytes.subarray(0, n), off);
    }
    return out;
  }

  dispose(): void {
    for (const s of this.#slots) {
      if (s.used) this.#driver.eventSynchronize(s.event);
      this.#driver.eventDestroy(s.event);
      this.#driver.memFreeHost(s.address);
    }
    this.#slots.length = 0;
  }
}
