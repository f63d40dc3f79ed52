/**
 * The whole conformance suite through a second "device": a backend whose tensors live in storage that
 * reports device 'fake', so every input must be moved (ctx.to / moveView) and every output read back with
 * toHost(), as on CUDA or WebGPU. Its kernels are the CPU kernels, so results must match bit for bit.
 */
import {
  type Backend,
  type BackendFactory,
  type DType,
  HostStorage,
  type Shape,
  Tensor,
} from '@gemmkit/core';
import { defineConformance } from '@gemmkit/core/conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';

class FakeStorage extends HostStorage {
  constructor(bytes: Uint8Array) {
    super(bytes);
    Object.defineProperty(this, 'device', { value: 'fake' });
  }
}

const moved: string[] = [];

function fake(): BackendFactory {
  return {
    name: 'fake',
    priority: 1,
    async create(): Promise<Backend> {
      const base = await cpu().create();
      return {
        ...base,
        name: 'fake',
        storageDevice: 'fake',
        empty(dtype: DType, shape: Shape) {
          const t = base.empty(dtype, shape);
          return new Tensor(dtype, shape, new FakeStorage(t.hostBytes()));
        },
        fromHost(t: Tensor) {
          moved.push(`${t.dtype}[${t.shape}]`);
          return new Tensor(t.dtype, t.shape, new FakeStorage(t.hostBytes().slice()));
        },
      };
    },
  };
}

await defineConformance({ factory: fake(), reference: cpu(), describe, it, expect, afterAll });

describe('fake device', () => {
  it('really moved tensors', () => {
    // Runs after the suite above in file order.
    expect(moved.length).toBeGreaterThan(100);
  });
});
