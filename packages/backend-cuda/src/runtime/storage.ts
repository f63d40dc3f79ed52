import { fail, type Storage } from '@gemmkit/core';
import type { DevicePtr } from '../bindings/types.js';
import type { Block } from './allocator.js';

/** What a device storage needs from its runtime. */
export interface StorageOwner {
  readonly disposed: boolean;
  /** Return the block to the caching allocator. */
  release(block: Block): void;
  /** Wait for queued work (and surface device status), then copy device bytes to the host. */
  readBack(ptr: DevicePtr, bytes: number): Promise<Uint8Array>;
  /** Same, synchronously and without the status check (host-side validation of device index data). */
  readBackSync(ptr: DevicePtr, bytes: number): Uint8Array;
}

/** What the safety net holds per storage. */
interface Held {
  readonly owner: StorageOwner;
  readonly block: Block;
}

/**
 * Safety net: storages dropped without dispose() give their block back when collected. (Leaving disposed
 * storages registered instead of unregistering measured no cheaper once GC is counted, and defers work.)
 */
const finalizer = new FinalizationRegistry<Held>((held) => {
  if (!held.owner.disposed) held.owner.release(held.block);
});

/**
 * Registration is deferred: a FinalizationRegistry register + unregister pair costs ~1 µs of host time
 * (V8; 0.8-1.8 µs on the 2-core dev machine), the largest part of an op's allocated output, while most op
 * outputs are disposed within the task that made them. New storages wait in `pending`; a sweep (when 256 are
 * pending, or on the next turn of the event loop) registers the ones still alive. A storage that is dropped
 * without dispose() stays reachable from `pending` until that sweep, then is registered and collected as before.
 */
const pending: CudaStorage[] = [];
const SWEEP_AT = 256;
let sweepQueued = false;
/** For tests: storages registered with the safety net so far, and those waiting for the sweep. */
export const safetyNet = {
  registered: 0,
  get pending(): number {
    return pending.length;
  },
};

export function sweepPendingStorages(): void {
  sweepQueued = false;
  for (const s of pending) s.registerIfLive();
  pending.length = 0;
}

function track(s: CudaStorage): void {
  pending.push(s);
  if (pending.length >= SWEEP_AT) sweepPendingStorages();
  else if (!sweepQueued) {
    sweepQueued = true;
    setImmediate(sweepPendingStorages).unref();
  }
}

/**
 * Drop a storage disposed before its sweep from `pending` when it is among the newest few (an op's outputs,
 * disposed by the caller right after): it becomes garbage at once instead of surviving to the sweep, which
 * could promote it to the old generation and cost a major GC's work later.
 */
function untrack(s: CudaStorage): void {
  const n = pending.length;
  for (let i = n - 1; i >= 0 && i >= n - 4; i--)
    if (pending[i] === s) {
      pending[i] = pending[n - 1];
      pending.pop();
      return;
    }
}

/** Device memory of the CUDA backend (one allocator block). `device` is 'cuda'. */
export class CudaStorage implements Storage {
  readonly device = 'cuda';
  readonly byteLength: number;
  readonly owner: StorageOwner;
  #block: Block | null;

  constructor(owner: StorageOwner, block: Block | null, byteLength: number) {
    this.owner = owner;
    this.#block = block;
    this.byteLength = byteLength;
    if (block) track(this);
  }

  #disposed = false;
  #registered = false;

  /** Register with the safety net unless disposed already (see `pending`). */
  registerIfLive(): void {
    if (!this.#block || this.#registered || this.owner.disposed) return;
    finalizer.register(this, { owner: this.owner, block: this.#block } satisfies Held, this);
    this.#registered = true;
    safetyNet.registered++;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** Device address of byte 0. */
  get ptr(): DevicePtr {
    if (this.disposed || this.owner.disposed)
      fail('E_DISPOSED', 'CUDA storage was disposed', { arg: 'storage' });
    return this.#block ? this.#block.ptr : (0n as DevicePtr);
  }

  async read(byteOffset: number, byteLength: number): Promise<Uint8Array> {
    const base = this.#checkRange(byteOffset, byteLength);
    if (byteLength === 0) return new Uint8Array(0);
    return this.owner.readBack((base + BigInt(byteOffset)) as DevicePtr, byteLength);
  }

  /**
   * Synchronous read (waits for the stream). For op contracts that validate device-resident index data on
   * the host in `validate: 'full'` mode; does not raise the device status error (sync/toHost do).
   */
  readSync(byteOffset: number, byteLength: number): Uint8Array {
    const base = this.#checkRange(byteOffset, byteLength);
    if (byteLength === 0) return new Uint8Array(0);
    return this.owner.readBackSync((base + BigInt(byteOffset)) as DevicePtr, byteLength);
  }

  #checkRange(byteOffset: number, byteLength: number): DevicePtr {
    if (
      !Number.isInteger(byteOffset) ||
      !Number.isInteger(byteLength) ||
      byteOffset < 0 ||
      byteLength < 0 ||
      byteOffset + byteLength > this.byteLength
    )
      fail('E_RANGE', 'read outside the storage', {
        arg: 'storage.read',
        expected: `within [0, ${this.byteLength}]`,
        actual: [byteOffset, byteLength],
      });
    return this.ptr;
  }

  dispose(): void {
    if (this.#block) {
      if (this.#registered) finalizer.unregister(this);
      else untrack(this);
      if (!this.owner.disposed) this.owner.release(this.#block);
      this.#block = null;
    }
    this.#disposed = true;
  }
}
