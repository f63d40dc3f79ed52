/// <reference types="@webgpu/types" />

const STORAGE_USAGE = 0x80 /* STORAGE */ | 0x04 /* COPY_SRC */ | 0x08; /* COPY_DST */

/** Round a byte size up to its bucket: 256 B minimum, then 4 buckets per power of two (<= 25% waste). */
export function bucketSize(bytes: number): number {
  if (bytes <= 256) return 256;
  const p = 2 ** Math.floor(Math.log2(bytes - 1));
  const step = Math.max(256, p / 4);
  return Math.ceil(bytes / step) * step;
}

/**
 * Size-bucketed reuse of storage buffers. A released buffer goes to the free list of its bucket and is
 * handed out again for any request of the same bucket. Reuse is safe without fences because every use is
 * recorded on the single queue in program order (uploads are recorded as copies, never queue.writeBuffer).
 */
export class BufferPool {
  readonly #device: GPUDevice;
  readonly #free = new Map<number, GPUBuffer[]>();
  #pooledBytes = 0;
  /** Bytes kept in free lists before released buffers are destroyed instead. */
  readonly maxPooledBytes: number;
  liveBytes = 0;

  constructor(device: GPUDevice, maxPooledBytes = 512 * 1024 * 1024) {
    this.#device = device;
    this.maxPooledBytes = maxPooledBytes;
  }

  acquire(bytes: number): GPUBuffer {
    const size = bucketSize(bytes);
    const list = this.#free.get(size);
    const reused = list?.pop();
    if (reused) {
      this.#pooledBytes -= size;
      this.liveBytes += size;
      return reused;
    }
    const buf = this.#device.createBuffer({ size, usage: STORAGE_USAGE, label: `gemmkit:${size}` });
    this.liveBytes += size;
    return buf;
  }

  release(buf: GPUBuffer): void {
    this.liveBytes -= buf.size;
    if (this.#pooledBytes + buf.size > this.maxPooledBytes) {
      buf.destroy();
      return;
    }
    let list = this.#free.get(buf.size);
    if (!list) this.#free.set(buf.size, (list = []));
    list.push(buf);
    this.#pooledBytes += buf.size;
  }

  /** Destroy every pooled buffer (live ones stay with their owners). */
  trim(): void {
    for (const list of this.#free.values()) for (const b of list) b.destroy();
    this.#free.clear();
    this.#pooledBytes = 0;
  }
}
