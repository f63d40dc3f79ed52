/**
 * File access for the IO readers/writers. `node:fs` is imported lazily inside the functions so that
 * core stays importable in browsers (nothing here runs unless a path is passed).
 */
import { fail } from '../errors.js';

/** What a reader accepts: bytes already in memory, or a file path (Node only). */
export type ByteSource = Uint8Array | ArrayBuffer | string;

/**
 * The whole file in a fresh ArrayBuffer starting at offset 0, so that typed-array views over 8-byte
 * aligned file offsets are aligned in memory too (Node's readFile may hand out pooled, unaligned Buffers).
 */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  const fs = await import('node:fs/promises');
  const fh = await fs
    .open(path, 'r')
    .catch((e: unknown) =>
      fail('E_UNSUPPORTED', `cannot open '${path}'`, { arg: 'path', actual: path, cause: e }),
    );
  try {
    const { size } = await fh.stat();
    const out = new Uint8Array(size);
    let pos = 0;
    while (pos < size) {
      const { bytesRead } = await fh.read(out, pos, size - pos, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
    }
    return pos === size ? out : out.subarray(0, pos);
  } finally {
    await fh.close();
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
