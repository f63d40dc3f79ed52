/**
 * File access for the IO readers/writers. `node:fs` is imported lazily inside the functions so that
 * core stays importable in browsers (nothing here runs unless a path is passed).
 */
import { fail } from '../errors.js';

/** What a reader accepts: bytes already in memory, or a file path (Node only). */
export type ByteSource = Uint8Array | ArrayBuffer | string;

/** A file opened for positional reads (Node only). */
export interface RandomAccessFile {
  readonly path: string;
  readonly size: number;
  /**
   * `length` bytes at `position`, in a fresh ArrayBuffer starting at offset 0 (so typed-array views over
   * aligned file offsets are aligned in memory too). Throws E_RANGE past the end of the file.
   */
  readAt(position: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export async function openRandomAccessFile(path: string): Promise<RandomAccessFile> {
  if (typeof path !== 'string')
    fail('E_UNSUPPORTED', 'expected a file path', { arg: 'path', expected: 'string', actual: typeof path });
  const fs = await import('node:fs/promises');
  const fh = await fs
    .open(path, 'r')
    .catch((e: unknown) =>
      fail('E_UNSUPPORTED', `cannot open '${path}'`, { arg: 'path', actual: path, cause: e }),
    );
  const { size } = await fh.stat();
  let closed = false;
  return {
    path,
    size,
    async readAt(position: number, length: number) {
      if (closed) fail('E_DISPOSED', `file '${path}' was closed`, { arg: 'file' });
      if (position < 0 || length < 0 || position + length > size)
        fail('E_RANGE', 'read past the end of the file', {
          arg: 'position/length',
          expected: `within ${size} bytes`,
          actual: [position, length],
        });
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        // One read() call may move at most 2 GiB; read in 1 GiB chunks.
        const { bytesRead } = await fh.read(out, done, Math.min(length - done, 1 << 30), position + done);
        if (bytesRead === 0)
          fail('E_RANGE', 'file ended early (changed while reading?)', {
            arg: 'path',
            expected: `${length} bytes at ${position}`,
            actual: `${done} bytes`,
          });
        done += bytesRead;
      }
      return out;
    },
    async close() {
      if (!closed) {
        closed = true;
        await fh.close();
      }
    },
  };
}

/** The whole file in a fresh ArrayBuffer starting at offset 0 (see RandomAccessFile.readAt). */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  const f = await openRandomAccessFile(path);
  try {
    return await f.readAt(0, f.size);
  } finally {
    await f.close();
  }
}

/** Write `bytes` to `path` atomically (temp file + rename), so readers never see half a file. */
export async function writeFileBytes(path: string, bytes: Uint8Array): Promise<void> {
  const fs = await import('node:fs/promises');
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  await fs.writeFile(tmp, bytes);
  await fs.rename(tmp, path);
}

/** Bytes of `src`: a Uint8Array as is (zero-copy), an ArrayBuffer viewed, a path read from disk. */
export async function sourceBytes(src: ByteSource, arg = 'source'): Promise<Uint8Array> {
  if (src instanceof Uint8Array) return src;
  if (src instanceof ArrayBuffer) return new Uint8Array(src);
  if (typeof src === 'string') return readFileBytes(src);
  return fail('E_UNSUPPORTED', 'expected bytes or a file path', {
    arg,
    expected: 'Uint8Array | ArrayBuffer | string',
    actual: src === null ? 'null' : typeof src,
  });
}
