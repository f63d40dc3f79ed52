/**
 * The bad-input matrix against a device whose memory the host cannot touch directly (as on CUDA): tensors live
 * in an `OpaqueStorage` that is not a HostStorage, so every host-side check of index data or scale values must
 * go through `Storage.readSync`. The kernels of this backend only throw a plain Error saying they were
 * launched: a bad call must be rejected by validation before any launch, with the case's code and argument —
 * no device status word to fall back on. With `validate: 'fast'` no device memory may be read at all.
 */
import {
  type Backend,
  type BackendFactory,
  contracts,
  createContext,
  type DType,
  fail,
  type KernelTable,
  type OpName,
  type Shape,
  type Storage,
  Tensor,
  tensorsIn,
} from '@gemmkit/core';
import { badInputCases, mapTensors, moveView, runBadInputCase } from '@gemmkit/core/conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';

/** Device memory seen from the host only through `read` copies (counted), like WebGPU: no `readSync`. */
class AsyncOnlyStorage implements Storage {
  readonly device = 'opaque';
  readonly byteLength: number;
  #bytes: Uint8Array | null;
  static syncReads = 0;
  static asyncReads = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.byteLength = bytes.byteLength;
  }

  get disposed(): boolean {
    return this.#bytes === null;
  }

  protected slice(byteOffset: number, byteLength: number): Uint8Array {
    if (!this.#bytes) fail('E_DISPOSED', 'opaque storage was disposed', { arg: 'storage' });
    if (byteOffset < 0 || byteOffset + byteLength > this.byteLength)
      fail('E_RANGE', 'read outside the storage', { arg: 'storage.read', actual: [byteOffset, byteLength] });
    return this.#bytes.slice(byteOffset, byteOffset + byteLength);
  }

  async read(byteOffset: number, byteLength: number): Promise<Uint8Array> {
    AsyncOnlyStorage.asyncReads++;
    return this.slice(byteOffset, byteLength);
  }

  dispose(): void {
    this.#bytes = null;
  }
}

/** Like CUDA: a blocking `readSync` as well, so 'full' validation can check device-resident values. */
class OpaqueStorage extends AsyncOnlyStorage {
  readSync(byteOffset: number, byteLength: number): Uint8Array {
    AsyncOnlyStorage.syncReads++;
    return this.slice(byteOffset, byteLength);
  }
}

function opaque(name = 'opaque', Store: typeof AsyncOnlyStorage = OpaqueStorage): BackendFactory {
  return {
    name,
    priority: 1,
    async create(): Promise<Backend> {
      const base = await cpu().create();
      const kernels: Record<string, unknown> = {};
      for (const op of base.capabilities.ops)
        kernels[op] = () => {
          throw new Error(`${op}: kernel launched on input that validation should have rejected`);
        };
      return {
        ...base,
        name,
        storageDevice: 'opaque',
        kernels: kernels as KernelTable,
        empty(dtype: DType, shape: Shape) {
          return new Tensor(dtype, shape, new Store(base.empty(dtype, shape).hostBytes().slice()));
        },
        fromHost(t: Tensor) {
          return new Tensor(t.dtype, t.shape, new Store(t.hostBytes().slice()));
        },
      };
    },
  };
}

const full = await createContext({
  backends: [opaque(), opaque('async-only', AsyncOnlyStorage), cpu()],
  prefer: 'opaque',
  validate: 'full',
});
const ops = new Set<string>(full.get('opaque').capabilities.ops);
afterAll(() => full.dispose());

describe("bad-input matrix on a device without host-visible memory (validate: 'full')", () => {
  for (const c of badInputCases) {
    if (!ops.has(c.op)) continue;
    it(`${c.op} rejects ${c.name} with ${c.code} before launch`, async () => {
      const r = await runBadInputCase(full, c, { backend: 'opaque' });
      expect(r.failures).toEqual([]);
    });
  }
});

describe("validate: 'fast' reads no device memory", () => {
  it('contracts validate every bad-input case without a device read', () => {
    const before = [AsyncOnlyStorage.syncReads, AsyncOnlyStorage.asyncReads];
    let moved = 0;
    for (const c of badInputCases) {
      const args = mapTensors(c.build(1), (t) => moveView(full, t, 'opaque'));
      moved += tensorsIn(args).filter(([, t]) => t.device === 'opaque').length;
      try {
        (contracts[c.op as OpName].validate as (a: unknown, m: 'fast') => unknown)(args, 'fast');
      } catch {
        // Shape/dtype errors still fire in 'fast'; only the absence of reads matters here.
      }
    }
    expect(moved).toBeGreaterThan(100);
    expect([AsyncOnlyStorage.syncReads, AsyncOnlyStorage.asyncReads]).toEqual(before);
  });

  it("'full' does read device index data (the check above is not vacuous)", () => {
    const before = AsyncOnlyStorage.syncReads;
    const c = badInputCases.find((x) => x.op === 'segmentGemm' && x.code === 'E_RANGE')!;
    const args = mapTensors(c.build(1), (t) => moveView(full, t, 'opaque'));
    expect(() => contracts.segmentGemm.validate(args as never, 'full')).toThrow(/E_RANGE/);
    expect(AsyncOnlyStorage.syncReads).toBeGreaterThan(before);
  });
});

describe('a device without readSync (WebGPU-like)', () => {
  it("leaves exactly the index/scale-value cases to the device status word in 'full' mode", async () => {
    const reached: string[] = [];
    for (const c of badInputCases) {
      if (!ops.has(c.op)) continue;
      const r = await runBadInputCase(full, c, { backend: 'async-only' });
      if (!r.ok) {
        reached.push(`${c.op}: ${c.name}`);
        // Only value checks can need the data itself; shape/dtype/layout-of-view checks never do.
        expect(['E_RANGE', 'E_LAYOUT', 'E_ALIGN']).toContain(c.code);
        expect(r.failures.join()).toMatch(/kernel launched/);
      }
    }
    // The matrix really covers device-resident index data: these pass above only through readSync.
    expect(reached.length).toBeGreaterThanOrEqual(30);
    expect(reached).toEqual(expect.arrayContaining(['segmentGemm: weight index out of range']));
  });
});
