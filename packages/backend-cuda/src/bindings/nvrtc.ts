import { GemmkitError } from '@gemmkit/core';
import { libraryError } from './errors.js';
import type { KoffiFn } from './koffi.js';
import { bindFirst, isLoaded, loadLibrary } from './library.js';
import type { NvrtcProgram } from './types.js';

/** nvrtcResult codes we act on (nvrtc.h). */
const NVRTC_SUCCESS = 0;
const NVRTC_ERROR_OUT_OF_MEMORY = 1;
const NVRTC_ERROR_COMPILATION = 6;

export interface NvrtcOutput {
  cubin: Uint8Array;
  log: string;
}

/**
 * NVRTC bindings (libnvrtc.so[.N]). Used by the JIT when found; compile errors become E_COMPILE with the
 * compiler log in the message, other failures E_DEVICE / E_OOM naming the nvrtcResult.
 */
export class Nvrtc {
  readonly libraryPath: string;
  readonly #f: Record<string, KoffiFn>;

  private constructor(lib: import('./koffi.js').KoffiLib, path: string) {
    this.libraryPath = path;
    const b = (name: string, sig: string) => bindFirst(lib, [name], sig);
    this.#f = {
      nvrtcVersion: b('nvrtcVersion', 'int %(void *major, void *minor)'),
      nvrtcGetErrorString: b('nvrtcGetErrorString', 'const char *%(int result)'),
      nvrtcCreateProgram: b(
        'nvrtcCreateProgram',
        'int %(void *prog, const char *src, const char *name, int numHeaders, const char **headers, const char **includeNames)',
      ),
      nvrtcCompileProgram: b(
        'nvrtcCompileProgram',
        'int %(uint64_t prog, int numOptions, const char **options)',
      ),
      nvrtcGetCUBINSize: b('nvrtcGetCUBINSize', 'int %(uint64_t prog, void *size)'),
      nvrtcGetCUBIN: b('nvrtcGetCUBIN', 'int %(uint64_t prog, void *out)'),
      nvrtcGetProgramLogSize: b('nvrtcGetProgramLogSize', 'int %(uint64_t prog, void *size)'),
      nvrtcGetProgramLog: b('nvrtcGetProgramLog', 'int %(uint64_t prog, void *out)'),
      nvrtcDestroyProgram: b('nvrtcDestroyProgram', 'int %(void *prog)'),
    };
  }

  /** Load NVRTC; returns the reason instead of throwing when it is absent (nvcc is the fallback). */
  static tryLoad(env: NodeJS.ProcessEnv = process.env): Nvrtc | { reason: string } {
    const names = ['libnvrtc.so', 'libnvrtc.so.13', 'libnvrtc.so.12', 'libnvrtc.so.11.2'];
    let r: ReturnType<typeof loadLibrary>;
    try {
      r = loadLibrary(names, 'libnvrtc', env, 'GEMMKIT_NVRTC');
    } catch (e) {
      return { reason: (e as Error).message };
    }
    if (!isLoaded(r)) return { reason: `libnvrtc not found (tried ${r.tried.length} names/paths)` };
    try {
      return new Nvrtc(r.lib, r.path);
    } catch (e) {
      return { reason: `libnvrtc at ${r.path} lacks a symbol: ${(e as Error).message}` };
    }
  }

  #check(call: string, status: number, log?: string): void {
    if (status === NVRTC_SUCCESS) return;
    const name = (this.#f.nvrtcGetErrorString(status) as string | null) ?? `nvrtcResult ${status}`;
    if (status === NVRTC_ERROR_COMPILATION)
      throw new GemmkitError('E_COMPILE', `NVRTC compilation failed:\n${log ?? ''}`, {
        arg: call,
        expected: 'a successful compile',
        actual: name,
        cause: log,
      });
    throw libraryError(call, status, name, undefined, 'E_DEVICE', status === NVRTC_ERROR_OUT_OF_MEMORY);
  }

  /** [major, minor], e.g. [13, 0]. */
  version(): [number, number] {
    const a = Buffer.alloc(4);
    const b = Buffer.alloc(4);
    this.#check('nvrtcVersion', this.#f.nvrtcVersion(a, b) as number);
    return [a.readInt32LE(0), b.readInt32LE(0)];
  }

  /** Compile `source` to a CUBIN for the `-arch=sm_XX` in `options`. Throws E_COMPILE with the log. */
  compile(source: string, name: string, options: readonly string[]): NvrtcOutput {
    const progBuf = Buffer.alloc(8);
    this.#check(
      'nvrtcCreateProgram',
      this.#f.nvrtcCreateProgram(progBuf, source, name, 0, null, null) as number,
    );
    const prog = progBuf.readBigUInt64LE(0) as NvrtcProgram;
    try {
      const status = this.#f.nvrtcCompileProgram(prog, options.length, [...options]) as number;
      const log = this.#log(prog);
      this.#check('nvrtcCompileProgram', status, log);
      const size = Buffer.alloc(8);
      this.#check('nvrtcGetCUBINSize', this.#f.nvrtcGetCUBINSize(prog, size) as number);
      const n = Number(size.readBigUInt64LE(0));
      if (n === 0)
        throw new GemmkitError('E_COMPILE', 'NVRTC produced no CUBIN (was -arch=sm_XX given?)', {
          arg: 'nvrtcGetCUBIN',
          expected: 'a real sm_XX target',
          actual: options.filter((o) => o.startsWith('-arch')),
        });
      const cubin = Buffer.alloc(n);
      this.#check('nvrtcGetCUBIN', this.#f.nvrtcGetCUBIN(prog, cubin) as number);
      return { cubin: new Uint8Array(cubin.buffer, cubin.byteOffset, n), log };
    } finally {
      this.#f.nvrtcDestroyProgram(progBuf);
    }
  }

  #log(prog: NvrtcProgram): string {
    const size = Buffer.alloc(8);
    if ((this.#f.nvrtcGetProgramLogSize(prog, size) as number) !== NVRTC_SUCCESS) return '';
    const n = Number(size.readBigUInt64LE(0));
    if (n <= 1) return '';
    const buf = Buffer.alloc(n);
    if ((this.#f.nvrtcGetProgramLog(prog, buf) as number) !== NVRTC_SUCCESS) return '';
    return buf.toString('utf8', 0, n - 1).trim();
  }
}
