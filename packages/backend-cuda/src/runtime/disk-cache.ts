import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * On-disk cache of compiled CUBINs. One file per key: `<key>.cubin` = magic "GKCUBIN1" + sha256(payload) +
 * payload. Written to a unique temp file and renamed into place, so a reader (another process included)
 * sees either nothing or a whole entry; two processes compiling the same key both rename, last one wins,
 * both entries are valid. A truncated or corrupted entry fails the digest check and is rebuilt.
 */
const MAGIC = Buffer.from('GKCUBIN1', 'ascii');
const HEADER = MAGIC.length + 32;

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GEMMKIT_CACHE_DIR) return env.GEMMKIT_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'gemmkit', 'cuda');
}

export const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

export type CacheRead =
  | { status: 'hit'; cubin: Uint8Array }
  | { status: 'miss' }
  | { status: 'corrupt'; reason: string };

export class DiskCache {
  readonly dir: string;

  constructor(dir: string = defaultCacheDir()) {
    this.dir = dir;
  }

  pathOf(key: string): string {
    if (!/^[0-9a-f]{16,128}$/.test(key)) throw new Error(`bad cache key ${key}`);
    return join(this.dir, `${key}.cubin`);
  }

  read(key: string): CacheRead {
    let buf: Buffer;
    try {
      buf = readFileSync(this.pathOf(key));
    } catch {
      return { status: 'miss' };
    }
    if (buf.length < HEADER || !buf.subarray(0, MAGIC.length).equals(MAGIC))
      return { status: 'corrupt', reason: 'bad header' };
    const payload = buf.subarray(HEADER);
    const digest = createHash('sha256').update(payload).digest();
    if (!digest.equals(buf.subarray(MAGIC.length, HEADER)))
      return { status: 'corrupt', reason: 'digest mismatch' };
    return { status: 'hit', cubin: new Uint8Array(payload) };
  }

  /** Atomic write (temp file in the same directory + rename). Errors are reported, not thrown: caching is best effort. */
  write(key: string, cubin: Uint8Array): string | null {
    const path = this.pathOf(key);
    const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      mkdirSync(this.dir, { recursive: true });
      const digest = createHash('sha256').update(cubin).digest();
      writeFileSync(tmp, Buffer.concat([MAGIC, digest, cubin]));
      renameSync(tmp, path);
      return null;
    } catch (e) {
      try {
        rmSync(tmp, { force: true });
      } catch {
        // the directory itself is unusable; nothing was written
      }
      return (e as Error).message;
    }
  }

  remove(key: string): void {
    rmSync(this.pathOf(key), { force: true });
  }
}
