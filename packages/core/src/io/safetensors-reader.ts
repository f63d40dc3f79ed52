/**
 * Lazy access to a .safetensors file on disk: only the header is read on open, each tensor on demand.
 * For checkpoints too large to hold in memory at once (DeepSeek shards are ~4-5 GB). Node only; the
 * file system is reached through the lazily imported node-fs module.
 */
import { fail } from '../errors.js';
import { Tensor } from '../tensor.js';
import { openRandomAccessFile, type RandomAccessFile } from './node-fs.js';
import {
  parseSafetensorsHeader,
  type SafetensorsEntry,
  type SafetensorsFile,
  safetensorsHeaderLength,
} from './safetensors.js';

export class SafetensorsReader {
  readonly path: string;
  readonly metadata: Record<string, string>;
  /** Validated header entries by tensor name (dtype, gemmkit shape, byte range in the data section). */
  readonly entries: Readonly<Record<string, SafetensorsEntry>>;
  /** Byte offset of the data section in the file. */
  readonly dataOffset: number;
  #file: RandomAccessFile | null;

  private constructor(
    file: RandomAccessFile,
    dataOffset: number,
    header: ReturnType<typeof parseSafetensorsHeader>,
  ) {
    this.path = file.path;
    this.#file = file;
    this.dataOffset = dataOffset;
    this.entries = header.entries;
    this.metadata = header.metadata;
  }

  /** Open `path` and validate its header (the same checks as parseSafetensors). */
  static async open(path: string): Promise<SafetensorsReader> {
    const file = await openRandomAccessFile(path);
    try {
      const n = safetensorsHeaderLength(await file.readAt(0, Math.min(8, file.size)), file.size);
      const header = parseSafetensorsHeader(await file.readAt(8, n), file.size - 8 - n);
      return new SafetensorsReader(file, 8 + n, header);
    } catch (e) {
      await file.close();
      throw e;
    }
  }

  get names(): string[] {
    return Object.keys(this.entries);
  }

  has(name: string): boolean {
    return Object.hasOwn(this.entries, name);
  }

  /** Read one tensor into its own host buffer. */
  async load(name: string): Promise<Tensor> {
    const file = this.#file;
    if (!file)
      return fail('E_DISPOSED', 'safetensors reader was closed', { arg: 'reader', actual: this.path });
    if (!this.has(name))
      fail('E_UNSUPPORTED', `no tensor '${name}' in ${this.path}`, {
        arg: 'name',
        expected: 'a tensor name of the file',
        actual: name,
      });
    const e = this.entries[name];
    const bytes = await file.readAt(this.dataOffset + e.begin, e.end - e.begin);
    return Tensor.host(e.dtype, e.shape, bytes);
  }

  /** Several tensors (all by default) as a SafetensorsFile, e.g. for openBlockScaledWeight. */
  async loadMany(names: readonly string[] = this.names): Promise<SafetensorsFile> {
    const tensors: Record<string, Tensor> = {};
    for (const n of names) tensors[n] = await this.load(n);
    return { tensors, metadata: this.metadata };
  }

  async close(): Promise<void> {
    const f = this.#file;
    this.#file = null;
    await f?.close();
  }
}

/** Open a .safetensors file for lazy, per-tensor reading (Node). */
export const openSafetensors = (path: string): Promise<SafetensorsReader> => SafetensorsReader.open(path);
