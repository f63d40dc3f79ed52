import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fail, GemmkitError } from '@gemmkit/core';
import { Nvrtc } from '../bindings/nvrtc.js';
import { archNumber } from './device.js';
import { type DiskCache, sha256 } from './disk-cache.js';
import type { KernelSpec } from './launch.js';
import { collectSources, cudaIncludeDirs, findNvcc, kernelsRoot } from './sources.js';

export type CompilerMode = 'auto' | 'nvrtc' | 'nvcc';

export interface CompileResult {
  cubin: Uint8Array;
  /** Cache key: sha256 of sources (with local headers), options, arch and compiler version. */
  key: string;
  /** 'memory' when this process compiled it already is handled by the module cache, not here. */
  source: 'disk' | 'compiled';
  compiler: 'nvrtc' | 'nvcc';
  ms: number;
  log: string;
}

interface Backend {
  kind: 'nvrtc' | 'nvcc';
  /** Identity for the cache key, e.g. "nvrtc 13.0" or nvcc's version line. */
  id: string;
  nvrtc?: Nvrtc;
  nvcc?: string;
}

const DEFINE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `-D` flags from a defines record (sorted so equal specs give equal keys). */
export function defineFlags(defines: KernelSpec['defines']): string[] {
  if (!defines) return [];
  return Object.keys(defines)
    .sort()
    .map((k) => {
      const v = defines[k];
      if (!DEFINE_KEY.test(k))
        fail('E_COMPILE', 'define names must be C identifiers', { arg: 'getKernel.defines', actual: k });
      if (typeof v === 'boolean') return `-D${k}=${v ? 1 : 0}`;
      if (typeof v === 'number') {
        if (!Number.isFinite(v))
          fail('E_COMPILE', 'define values must be finite', { arg: `getKernel.defines.${k}`, actual: v });
        return `-D${k}=${v}`;
      }
      if (typeof v === 'string' && !/[\s"'\\]/.test(v)) return `-D${k}=${v}`;
      return fail('E_COMPILE', 'define values must be numbers, booleans or plain tokens', {
        arg: `getKernel.defines.${k}`,
        actual: v,
      });
    });
}

const ARCH_RE = /^sm_\d{2,3}[af]?$/;

/**
 * The JIT: NVRTC when libnvrtc is found (in-process, no temp files), else `nvcc -cubin`. Results go through
 * the on-disk cache keyed by sha256(sources incl. local headers, options, arch, compiler version).
 */
export class JitCompiler {
  readonly mode: CompilerMode;
  readonly cache: DiskCache | null;
  readonly env: NodeJS.ProcessEnv;
  #backend: Backend | null = null;
  #unavailable: string | null = null;
  #warnedCache = false;

  constructor(mode: CompilerMode, cache: DiskCache | null, env: NodeJS.ProcessEnv = process.env) {
    this.mode = mode;
    this.cache = cache;
    this.env = env;
  }

  /** Pick the compiler once; throws E_COMPILE naming what is missing. */
  backend(): Backend {
    if (this.#backend) return this.#backend;
    if (this.#unavailable) fail('E_COMPILE', this.#unavailable, { arg: 'compiler' });
    const reasons: string[] = [];
    if (this.mode !== 'nvcc') {
      const n = Nvrtc.tryLoad(this.env);
      if (n instanceof Nvrtc) {
        const [maj, min] = n.version();
        this.#backend = { kind: 'nvrtc', id: `nvrtc ${maj}.${min}`, nvrtc: n };
        return this.#backend;
      }
      reasons.push(n.reason);
    }
    if (this.mode !== 'nvrtc') {
      const nvcc = findNvcc(this.env);
      if (nvcc) {
        let id = 'nvcc';
        try {
          id =
            'nvcc ' +
            execFileSync(nvcc, ['--version'], { encoding: 'utf8' }).trim().split('\n').slice(-2).join(' ');
        } catch (e) {
          reasons.push(`nvcc --version failed: ${(e as Error).message}`);
        }
        this.#backend = { kind: 'nvcc', id, nvcc };
        return this.#backend;
      }
      reasons.push('nvcc not found (set CUDA_HOME or PATH)');
    }
    this.#unavailable = `no CUDA compiler available: ${reasons.join('; ')}`;
    return fail('E_COMPILE', this.#unavailable, {
      arg: 'compiler',
      expected: 'libnvrtc or nvcc',
      actual: this.mode,
    });
  }

  /** Options shared by both compilers (the arch flag differs and is added per compiler). */
  #commonOptions(spec: KernelSpec, includeDirs: readonly string[]): string[] {
    const extra = spec.options ?? [];
    if (!Array.isArray(extra) || extra.some((o) => typeof o !== 'string'))
      fail('E_COMPILE', 'options must be strings', { arg: 'getKernel.options', actual: extra });
    return ['-std=c++17', ...defineFlags(spec.defines), ...includeDirs.map((d) => `-I${d}`), ...extra];
  }

  /** Compile (or fetch from disk) the module holding `spec.name`. */
  compile(spec: KernelSpec, arch: string): CompileResult {
    if (typeof arch !== 'string' || !ARCH_RE.test(arch))
      fail('E_COMPILE', 'arch must look like sm_90a / sm_100a / sm_89', {
        arg: 'getKernel.arch',
        actual: arch,
      });
    const be = this.backend();
    const src = collectSources(spec, kernelsRoot(this.env));
    const opts = this.#commonOptions(spec, src.includeDirs);
    // Local -I paths differ between checkouts; hash the option list without them, the contents stand in.
    const keyOpts = opts.filter((o) => !o.startsWith('-I'));
    const key = sha256(
      JSON.stringify({
        v: 1,
        main: sha256(src.text),
        headers: src.files.map((f) => [basename(f.path), sha256(f.text)]),
        opts: keyOpts,
        arch,
        compiler: be.id,
      }),
    );
    const t0 = performance.now();
    const hit = this.cache?.read(key);
    if (hit?.status === 'hit')
      return {
        cubin: hit.cubin,
        key,
        source: 'disk',
        compiler: be.kind,
        ms: performance.now() - t0,
        log: '',
      };
    const name = src.main === '<inline>' ? `${spec.name}.cu` : basename(src.main);
    let used = be.kind;
    let out: { cubin: Uint8Array; log: string };
    if (be.kind === 'nvrtc') {
      try {
        out = this.#nvrtc(be.nvrtc!, src.text, name, arch, opts);
      } catch (e) {
        // NVRTC ships no C library headers (<stdint.h>, ...): a source that needs one compiles with nvcc.
        const nvcc =
          this.mode === 'auto' && /cannot open source file/.test(String((e as Error).message))
            ? findNvcc(this.env)
            : null;
        if (!nvcc) throw e;
        out = this.#nvcc(nvcc, src.text, name, arch, opts);
        used = 'nvcc';
      }
    } else out = this.#nvcc(be.nvcc!, src.text, name, arch, opts);
    const writeError = this.cache?.write(key, out.cubin);
    if (writeError && !this.#warnedCache) {
      // Caching is best effort (read-only home, full disk): say so once, keep working from memory.
      this.#warnedCache = true;
      process.emitWarning(`gemmkit: JIT cache ${this.cache?.dir} is not writable: ${writeError}`);
    }
    return {
      cubin: out.cubin,
      key,
      source: 'compiled',
      compiler: used,
      ms: performance.now() - t0,
      log: out.log,
    };
  }

  #nvrtc(
    n: Nvrtc,
    text: string,
    name: string,
    arch: string,
    opts: string[],
  ): { cubin: Uint8Array; log: string } {
    const inc = cudaIncludeDirs(this.env).map((d) => `-I${d}`);
    return n.compile(text, name, [`-arch=${arch}`, '-default-device', ...opts, ...inc]);
  }

  #nvcc(
    nvcc: string,
    text: string,
    name: string,
    arch: string,
    opts: string[],
  ): { cubin: Uint8Array; log: string } {
    const dir = mkdtempSync(join(tmpdir(), 'gemmkit-nvcc-'));
    try {
      const srcPath = join(dir, name.endsWith('.cu') ? name : `${name}.cu`);
      const out = join(dir, 'out.cubin');
      writeFileSync(srcPath, text);
      const n = archNumber(arch);
      const suffix = arch.slice(`sm_${n}`.length);
      // -gencode form: with nvcc 13.0 `-arch=sm_90a` also ran a plain sm_90 pass that rejects wgmma.
      const args = [
        '-cubin',
        `-gencode=arch=compute_${n}${suffix},code=${arch}`,
        '-O3',
        ...opts,
        '-o',
        out,
        srcPath,
      ];
      let log = '';
      try {
        log = execFileSync(nvcc, args, {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
          maxBuffer: 64 << 20,
        });
      } catch (e) {
        const err = e as { stderr?: string; stdout?: string; message: string };
        const text = `${err.stdout ?? ''}${err.stderr ?? ''}`.trim() || err.message;
        throw new GemmkitError('E_COMPILE', `nvcc compilation failed:\n${text}`, {
          arg: 'nvcc',
          expected: 'a successful compile',
          actual: `exit ${(e as { status?: number }).status ?? '?'}`,
          cause: text,
        });
      }
      return { cubin: new Uint8Array(readFileSync(out)), log };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
