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
const SMALL_LIMIT = 1 << 20;

/**
 * Bucket for a request: 512-byte granules below 1 MiB; above, the next of four steps per power of two
 * (1, 1.25, 1.5, 1.75 × 2^k, rounded to 2 MiB), so a reused block wastes at most ~25%.
 */
export function bucketSize(bytes: number): number {
  if (bytes <= MIN_BLOCK) return MIN_BLOCK;
  if (bytes <= SMALL_LIMIT) return Math.ceil(bytes / MIN_BLOCK) * MIN_BLOCK;
  const p = 2 ** Math.floor(Math.log2(bytes));
  const step = p / 4;
  const b = Math.ceil(bytes / step) * step;
  return Math.ceil(b / (2 << 20)) * (2 << 20);
}

/**
 * One hand-out of a block. A fresh lease per allocation (cheap, young-generation) carries its own liveness,
 * so freeing needs no pointer-keyed lookup and a stale lease (freed twice, or from before `releaseAll`)
 * cannot return memory that now belongs to someone else.
 */
class Lease implements Block {
  readonly ptr: DevicePtr;
  readonly size: number;
  readonly owner: CachingAllocator;
  /** The allocator generation this lease belongs to; -1 once freed. */
  epoch: number;

  constructor(ptr: DevicePtr, size: number, owner: CachingAllocator, epoch: number) {
    this.ptr = ptr;
    this.size = size;
    this.owner = owner;
    this.epoch = epoch;
  }
}

/**
 * Caching device allocator, stream-ordered on the runtime's single stream: a freed block goes back to its
 * bucket's free list and is handed out again without a cuMemAlloc. Reuse is safe without events because
 * every user of the memory is enqueued on the same stream, so later work runs after earlier work finished
 * with the block. On out-of-memory the cache is released (after `drain`, which synchronizes) and the
 * allocation retried once before E_OOM is thrown.
 *
 * Hot path (a cache hit and its free): an array-indexed bucket below 1 MiB, one small lease object, no
 * BigInt-keyed map. Device allocations are recorded by pointer only on the slow path (cuMemAlloc / cuMemFree).
 */
export class CachingAllocator {
  readonly #raw: RawAllocator;
  readonly #drain: () => void;
  /** Free lists of buckets <= 1 MiB, indexed by size / 512. */
  readonly #small: DevicePtr[][] = [];
  /** Free lists of larger buckets by size. */
  readonly #large = new Map<number, DevicePtr[]>();
  /** Every device allocation we hold (cached or handed out): pointer -> bucket size. */
  readonly #owned = new Map<DevicePtr, number>();
  /** Bumped by releaseAll: leases of earlier generations are void. */
  #epoch = 0;
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

  #list(size: number, create: boolean): DevicePtr[] | undefined {
    if (size <= SMALL_LIMIT) {
      const i = size / MIN_BLOCK;
      let l = this.#small[i];
      if (!l && create) l = this.#small[i] = [];
      return l;
    }
    let l = this.#large.get(size);
    if (!l && create) this.#large.set(size, (l = []));
    return l;
  }

  allocate(bytes: number): Block {
    if (!Number.isSafeInteger(bytes) || bytes < 0)
      throw new GemmkitError('E_RANGE', 'allocation size must be a non-negative integer', {
        arg: 'bytes',
        expected: 'integer >= 0',
        actual: bytes,
      });
    const size = bucketSize(bytes);
    const list = this.#list(size, false);
    if (list !== undefined && list.length > 0) {
      const cached = list.pop() as DevicePtr;
      this.stats.hits++;
      this.stats.cachedBytes -= size;
      this.stats.inUseBytes += size;
      return new Lease(cached, size, this, this.#epoch);
    }
    let ptr: DevicePtr;
    try {
      ptr = this.#raw.memAlloc(size);
    } catch (e) {
      if (!(e instanceof GemmkitError && e.code === 'E_OOM') || this.stats.cachedBytes === 0) throw e;
      this.emptyCache();
      ptr = this.#raw.memAlloc(size);
    }
    this.#owned.set(ptr, size);
    this.stats.deviceAllocs++;
    this.stats.inUseBytes += size;
    return new Lease(ptr, size, this, this.#epoch);
  }

  /**
   * Return a block to its free list (stream-ordered reuse; see class comment). A block freed twice, from
   * before `releaseAll`, or not handed out by this allocator is ignored: it must not enter a free list, or
   * two tensors would share memory.
   */
  free(block: Block): void {
    if (!(block instanceof Lease) || block.owner !== this || block.epoch !== this.#epoch) return;
    block.epoch = -1;
    (this.#list(block.size, true) as DevicePtr[]).push(block.ptr);
    this.stats.inUseBytes -= block.size;
    this.stats.cachedBytes += block.size;
  }

  /** Wait for the stream, then cuMemFree every block, cached or still in use (runtime teardown). */
  releaseAll(): void {
    this.#epoch++;
    this.stats.cachedBytes += this.stats.inUseBytes;
    this.stats.inUseBytes = 0;
    this.#clearLists();
    this.#freeDevice([...this.#owned.keys()]);
  }

  /** Wait for the stream, then cuMemFree every cached block. */
  emptyCache(): void {
    if (this.stats.cachedBytes === 0) return;
    const cached: DevicePtr[] = [];
    for (const l of this.#small) if (l) cached.push(...l);
    for (const l of this.#large.values()) cached.push(...l);
    this.#clearLists();
    this.#freeDevice(cached);
  }

  #clearLists(): void {
    this.#small.length = 0;
    this.#large.clear();
  }

  #freeDevice(ptrs: readonly DevicePtr[]): void {
    if (ptrs.length === 0) return;
    this.#drain();
    for (const p of ptrs) {
      const size = this.#owned.get(p) ?? 0;
      this.#owned.delete(p);
      this.#raw.memFree(p);
      this.stats.deviceFrees++;
      this.stats.cachedBytes -= size;
    }
  }
}
