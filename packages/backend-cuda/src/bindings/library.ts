import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { getKoffi, type KoffiFn, type KoffiLib } from './koffi.js';

/**
 * Finding the CUDA shared libraries. We try the plain dlopen name first (honours LD_LIBRARY_PATH, ldconfig)
 * and then explicit directories: CUDA_HOME/CUDA_PATH, the directory of `nvcc` on PATH, /usr/local/cuda*, and
 * pip's `nvidia/<pkg>/lib` folders (the wheels torch pulls in), where no ldconfig entry exists.
 */

export interface LoadedLibrary {
  readonly lib: KoffiLib;
  /** The name or path that dlopen accepted. */
  readonly path: string;
}

export interface LoadFailure {
  readonly tried: string[];
  readonly errors: string[];
}

const safeReaddir = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

/** CUDA toolkit roots from the environment and the usual install places (existing ones only). */
export function cudaRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  const roots: string[] = [];
  for (const k of ['CUDA_HOME', 'CUDA_PATH', 'CUDA_ROOT']) if (env[k]) roots.push(env[k] as string);
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    // nvcc may be a symlink (/usr/local/bin/nvcc → /usr/local/cuda-13.0/bin/nvcc): use its real root.
    if (dir && existsSync(join(dir, 'nvcc'))) roots.push(dirname(dirname(realpathSync(join(dir, 'nvcc')))));
  }
  roots.push('/usr/local/cuda');
  for (const name of safeReaddir('/usr/local'))
    if (/^cuda-\d+(\.\d+)?$/.test(name)) roots.push(join('/usr/local', name));
  return [...new Set(roots)].filter((r) => existsSync(r));
}

/** `site-packages/nvidia` folders of Python installs (pip wheels such as nvidia-cuda-nvrtc, nvidia-cublas). */
export function pipNvidiaRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  const sites: string[] = [];
  const extra = env.GEMMKIT_PYTHON_SITE;
  if (extra) sites.push(...extra.split(delimiter).filter(Boolean));
  const pyLibDirs = ['/usr/lib', '/usr/local/lib', join(homedir(), '.local/lib')];
  if (env.VIRTUAL_ENV) pyLibDirs.push(join(env.VIRTUAL_ENV, 'lib'));
  if (env.CONDA_PREFIX) pyLibDirs.push(join(env.CONDA_PREFIX, 'lib'));
  for (const opt of safeReaddir('/opt'))
    pyLibDirs.push(join('/opt', opt, '.venv/lib'), join('/opt', opt, 'lib'));
  for (const base of pyLibDirs)
    for (const py of safeReaddir(base))
      if (py.startsWith('python3'))
        for (const sp of ['site-packages', 'dist-packages']) sites.push(join(base, py, sp));
  return [...new Set(sites.map((s) => join(s, 'nvidia')))].filter((d) => existsSync(d));
}

/** Library directories to search, most specific first. */
export function libraryDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs: string[] = [];
  for (const root of cudaRoots(env))
    dirs.push(join(root, 'lib64'), join(root, 'lib'), join(root, 'targets/x86_64-linux/lib'));
  for (const nv of pipNvidiaRoots(env))
    for (const pkg of safeReaddir(nv)) dirs.push(join(nv, pkg, 'lib'), join(nv, pkg, 'lib64'));
  dirs.push('/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/local/nvidia/lib64', '/usr/local/nvidia/lib');
  return [...new Set(dirs)].filter((d) => existsSync(d));
}

/**
 * Candidate file names in `dir` for a library stem such as `libnvrtc`: exact names first, then versioned
 * `stem.so.N[.M]` files newest first (pip wheels ship only `libnvrtc.so.13`, no unversioned link).
 */
export function versionedCandidates(dir: string, stem: string): string[] {
  const re = new RegExp(`^${stem.replace(/[.+]/g, '\\$&')}\\.so(\\.\\d+)*$`);
  const files = safeReaddir(dir).filter((f) => re.test(f));
  const ver = (f: string) =>
    f
      .slice(stem.length + 3)
      .split('.')
      .filter(Boolean)
      .map(Number);
  files.sort((a, b) => {
    const [va, vb] = [ver(a), ver(b)];
    for (let i = 0; i < Math.max(va.length, vb.length); i++) {
      const d = (vb[i] ?? -1) - (va[i] ?? -1);
      if (d !== 0) return d;
    }
    return 0;
  });
  return files.map((f) => join(dir, f));
}

/**
 * dlopen the first loadable of `names` (plain sonames) and then of every versioned `stem.so*` file in the
 * search directories. Returns the library or the list of what was tried. When `env[overrideVar]` is set,
 * that path alone is tried.
 */
export function loadLibrary(
  names: readonly string[],
  stem: string,
  env: NodeJS.ProcessEnv = process.env,
  overrideVar?: string,
): LoadedLibrary | LoadFailure {
  const tried: string[] = [];
  const errors: string[] = [];
  const attempt = (p: string): LoadedLibrary | null => {
    tried.push(p);
    try {
      return { lib: getKoffi().load(p), path: p };
    } catch (e) {
      errors.push(`${p}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      return null;
    }
  };
  // An explicit path (e.g. GEMMKIT_CUDA_DRIVER) is the only candidate: no silent fallback to another copy.
  const override = overrideVar ? env[overrideVar] : undefined;
  if (override) return attempt(override) ?? { tried, errors };
  for (const n of names) {
    const r = attempt(n);
    if (r) return r;
  }
  for (const dir of libraryDirs(env))
    for (const p of versionedCandidates(dir, stem)) {
      const r = attempt(p);
      if (r) return r;
    }
  return { tried, errors };
}

export function isLoaded(r: LoadedLibrary | LoadFailure): r is LoadedLibrary {
  return 'lib' in r;
}

/** Bind the first symbol of `names` that the library exports (e.g. `cuMemAlloc_v2`, then `cuMemAlloc`). */
export function bindFirst(lib: KoffiLib, names: readonly string[], signature: string): KoffiFn {
  let last: unknown;
  for (const name of names) {
    try {
      return lib.func(signature.replace('%', name));
    } catch (e) {
      last = e;
    }
  }
  throw last instanceof Error ? last : new Error(`none of ${names.join(', ')} found`);
}
