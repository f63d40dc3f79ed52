import { fail } from './errors.js';

/**
 * Memory owned by one backend. `device` names the owner: `'host'` for host memory (used directly by the CPU
 * backend), otherwise the backend's name (`'cuda'`, `'webgpu'`).
 */
export interface Storage {
  readonly device: string;
  readonly byteLength: number;
  readonly disposed: boolean;
  /** Copy `byteLength` bytes starting at `byteOffset` to host memory (waits for pending work on the owner). */
  read(byteOffset: number, byteLength: number): Promise<Uint8Array>;
  /**
   * Optional synchronous copy of the same bytes (waits for pending work on the owner; does not surface the
   * device status error). Present where the owner can block cheaply (host memory; CUDA through pinned
   * staging); absent on WebGPU, which can only map buffers asynchronously. `validate: 'full'` uses it to check
   * device-resident index data on the host before launch.
   */
  readSync?(byteOffset: number, byteLength: number): Uint8Array;
  dispose(): void;
}

/** Host memory: a byte view over an ArrayBuffer (zero-copy over file buffers where alignment allows). */
export class HostStorage implements Storage {
  readonly device = 'host';
  #bytes: Uint8Array | null;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  static alloc(byteLength: number): HostStorage {
    return new HostStorage(new Uint8Array(byteLength));
  }

  get bytes(): Uint8Array {
    if (!this.#bytes) fail('E_DISPOSED', 'host storage was disposed', { arg: 'storage' });
    return this.#bytes;
  }

  get byteLength(): number {
    return this.#bytes?.byteLength ?? 0;
  }

  get disposed(): boolean {
    return this.#bytes === null;
  }

  async read(byteOffset: number, byteLength: number): Promise<Uint8Array> {
    return this.readSync(byteOffset, byteLength);
  }

  readSync(byteOffset: number, byteLength: number): Uint8Array {
    return this.bytes.slice(byteOffset, byteOffset + byteLength);
  }

  dispose(): void {
    this.#bytes = null;
  }
}
