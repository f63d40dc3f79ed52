/// <reference types="@webgpu/types" />
import { fail, type Storage } from '@gemmkit/core';
import type { Runtime } from './runtime.js';

/** A pooled GPUBuffer owned by one webgpu backend. `read()` goes through a MAP_READ staging buffer. */
export class WebGpuStorage implements Storage {
  readonly device = 'webgpu';
  readonly byteLength: number;
  readonly #rt: Runtime;
  #buffer: GPUBuffer | null;

  constructor(rt: Runtime, byteLength: number) {
    this.#rt = rt;
    this.byteLength = byteLength;
    this.#buffer = rt.pool.acquire(Math.max(4, byteLength));
  }

  get buffer(): GPUBuffer {
    if (!this.#buffer) fail('E_DISPOSED', 'webgpu storage was disposed', { arg: 'storage' });
    return this.#buffer;
  }

  /** The runtime that owns this buffer (tensors of another webgpu backend instance are rejected). */
  get runtime(): Runtime {
    return this.#rt;
  }

  get disposed(): boolean {
    return this.#buffer === null;
  }

  async read(byteOffset: number, byteLength: number): Promise<Uint8Array> {
    if (byteOffset < 0 || byteLength < 0 || byteOffset + byteLength > this.byteLength)
      fail('E_RANGE', 'read outside the storage', {
        arg: 'byteOffset/byteLength',
        expected: `within [0, ${this.byteLength}]`,
        actual: [byteOffset, byteLength],
      });
    if (byteLength === 0) return new Uint8Array(0);
    return this.#rt.read(this.buffer, byteOffset, byteLength);
  }

  dispose(): void {
    if (!this.#buffer) return;
    this.#rt.pool.release(this.#buffer);
    this.#buffer = null;
  }
}
