import { GemmkitError } from '@gemmkit/core';
import type { DevicePtr } from '../bindings/types.js';

/** The two driver calls the allocator needs (a CudaDriver, or a fake in unit tests). */
export interface RawAllocator {
  memAlloc(bytes: number): DevicePtr;
  memFree(ptr: DevicePtr): void;
}

export interface Block {
  readonly ptr: DevicePtr;
  /** Bucket size actually reserved (>= requested). */
  readonly size: number;
}

export interface AllocatorStats {
  /** Bytes handed out and not yet freed. */
  inUseBytes: number;
  /** Bytes held in free lists. */
  cachedBytes: number;
  /** cuMemAlloc calls so far (the point of caching is to keep this flat across ops). */
  deviceAllocs: number;
  deviceFrees: number;
  /** Allocations served from a free list. */
  hits: number;
}

const MIN_BLOCK = 512;

/**
 * Bucket for a request: 512-byte granules below 1 MiB; above, the next of four steps per power of two
 * (1, 1.25, 1.5, 1.75 × 2^k, rounded to 2 MiB), so a reused block wastes at most ~25%.
 */
export function bucketSize(bytes: number): number {
  if (bytes <= MIN_BLOCK) return MIN_BLOCK;
  if (bytes <= 1 << 20) return Math.ceil(bytes / MIN_BLOCK) * MIN_BLOCK;
  const p = 2 ** Math.floor(Math.log2(bytes));
  const step = p / 4;
  const b = Math.ceil(bytes / step) * step;
  return Math.ceil(b / (2 << 20)) * (2 << 20);
}

/**
 * Caching device allocator, stream-ordered on the runtime's single stream: a freed block goes back to its
 * bucket's free list and is handed out again without a cuMemAlloc. Reuse is safe without events because
 * every user of the memory is enqueued on the same stream, so later work runs after earlier work finished
 * with the block. On out-of-memory the cache is released (after `drain`, which synchronizes) and the
 * allocation retried once before E_OOM is thrown.
 */
export class CachingAllocator {
  readonly #raw: RawAllocator;
  readonly #drain: () => void;
  readonly #free = new Map<number, DevicePtr[]>();
  readonly #live = new Map<DevicePtr, number>();
  readonly stats: AllocatorStats = {
    inUseBytes: 0,
    cachedBytes: 0,
    deviceAllocs: 0,
    deviceFrees: 0,
    hits: 0,
  };

  constructor(raw: RawAllocator, drain: () => void) {
    this.#raw = raw;
    this.#drain = drain;
  }

  allocate(bytes: number): Block {
    if (!Number.isSafeInteger(bytes) || bytes < 0)
      throw new GemmkitError('E_RANGE', 'allocation size must be a non-negative integer', {
        arg: 'bytes',
        expected: 'integer >= 0',
        actual: bytes,
      });
    const size = bucketSize(bytes);
    const list = this.#free.get(size);
    const cached = list?.pop();
    if (cached !== undefined) {
      this.stats.hits++;
      this.stats.cachedBytes -= size;
      this.stats.inUseBytes += size;
      this.#live.set(cached, size);
      return { ptr: cached, size };
    }
    let ptr: DevicePtr;
    try {
      ptr = this.#raw.memAlloc(size);
    } catch (e) {
      if (!(e instanceof GemmkitError && e.code === 'E_OOM') || this.stats.cachedBytes === 0) throw e;
      this.emptyCache();
      ptr = this.#raw.memAlloc(size);
    }
    this.stats.deviceAllocs++;
    this.stats.inUseBytes += size;
    this.#live.set(ptr, size);
    return { ptr, size };
  }

  /** Return a block to its free list (stream-ordered reuse; see class comment). */
  free(block: Block): void {
    // A block freed twice (or not ours) must not enter a free list twice: two tensors would share memory.
    if (this.#live.get(block.ptr) !== block.size) return;
    this.#live.delete(block.ptr);
    let list = this.#free.get(block.size);
    if (!list) {
      list = [];
      this.#free.set(block.size, list);
    }
    list.push(block.ptr);
    this.stats.inUseBytes -= block.size;
    this.stats.cachedBytes += block.size;
  }

  /** Wait for the stream, then cuMemFree every block, cached or still in use (runtime teardown). */
  releaseAll(): void {
    for (const [ptr, size] of this.#live) this.free({ ptr, size });
    this.emptyCache();
  }

  /** Wait for the stream, then cuMemFree every cached block. */
  emptyCache(): void {
    if (this.stats.cachedBytes === 0) return;
    this.#drain();
    for (const [size, list] of this.#free) {
      for (const p of list) {
        this.#raw.memFree(p);
        this.stats.deviceFrees++;
        this.stats.cachedBytes -= size;
      }
    }
    this.#free.clear();
  }
}
