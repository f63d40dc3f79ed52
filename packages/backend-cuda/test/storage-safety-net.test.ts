import { describe, expect, it } from 'vitest';
import type { DevicePtr } from '../src/bindings/types.js';
import { CudaStorage, type StorageOwner, safetyNet, sweepPendingStorages } from '../src/runtime/storage.js';

// The leak safety net (FinalizationRegistry) registers storages lazily: only those still alive at the next sweep,
// so an op output disposed in the same task never pays for a register + unregister pair.

/** A stub runtime: counts released blocks; `disposed` is writable here (readonly in StorageOwner). */
const owner = () => {
  const o = {
    disposed: false,
    released: 0,
    release() {
      o.released++;
    },
    readBack: async () => new Uint8Array(0),
    readBackSync: () => new Uint8Array(0),
  };
  return o satisfies StorageOwner;
};
const block = (i: number) => ({ ptr: BigInt(4096 * (i + 1)) as DevicePtr, size: 4096 });

describe('CudaStorage safety net', () => {
  it('registers at the sweep only the storages not disposed by then; dispose still returns the block', () => {
    sweepPendingStorages();
    const o = owner();
    const before = safetyNet.registered;
    const a = new CudaStorage(o, block(0), 4096);
    const b = new CudaStorage(o, block(1), 4096);
    const c = new CudaStorage(o, block(2), 4096);
    a.dispose();
    expect(o.released).toBe(1);
    expect(safetyNet.registered).toBe(before); // nothing registered before the sweep
    sweepPendingStorages();
    expect(safetyNet.registered - before).toBe(2); // b and c
    b.dispose();
    c.dispose();
    expect(o.released).toBe(3);
    sweepPendingStorages();
    expect(safetyNet.registered - before).toBe(2);
  });

  it('sweeps synchronously once 256 storages are pending, and on the next turn of the event loop', async () => {
    sweepPendingStorages();
    const o = owner();
    const before = safetyNet.registered;
    const kept = Array.from({ length: 256 }, (_, i) => new CudaStorage(o, block(i), 4096));
    expect(safetyNet.registered - before).toBe(256);
    const late = new CudaStorage(o, block(999), 4096);
    await new Promise((r) => setImmediate(r));
    expect(safetyNet.registered - before).toBe(257);
    for (const s of [...kept, late]) s.dispose();
    expect(o.released).toBe(257);
  });

  it('a storage disposed while among the newest pending leaves the queue at once (no reference kept)', () => {
    sweepPendingStorages();
    const o = owner();
    const keep = new CudaStorage(o, block(0), 4096);
    for (let i = 0; i < 1000; i++) {
      // An op's two outputs, disposed in creation order (the older one is not the newest entry).
      const data = new CudaStorage(o, block(1), 4096);
      const scale = new CudaStorage(o, block(2), 4096);
      data.dispose();
      scale.dispose();
    }
    expect(safetyNet.pending).toBe(1);
    sweepPendingStorages();
    expect(safetyNet.pending).toBe(0);
    keep.dispose();
    expect(o.released).toBe(2001);
  });

  it('storages of a disposed owner are not registered', () => {
    sweepPendingStorages();
    const o = owner();
    const before = safetyNet.registered;
    const s = new CudaStorage(o, block(0), 4096);
    o.disposed = true;
    sweepPendingStorages();
    expect(safetyNet.registered).toBe(before);
    expect(() => s.dispose()).not.toThrow();
  });
});
