import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fail } from '@gemmkit/core';
import { cudaRoots, pipNvidiaRoots } from '../bindings/library.js';

/** packages/backend-cuda/kernels (same relative place from src/runtime and dist/runtime). */
export function kernelsRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GEMMKIT_CUDA_KERNELS) return resolve(env.GEMMKIT_CUDA_KERNELS);
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../kernels');
}

export interface SourceSet {
  /** Path of the main file (or `<inline>`). */
  main: string;
  text: string;
  /** Every local file the source includes (transitively), with its contents' sha256 computed by the caller. */
  files: Array<{ path: string; text: string }>;
  /** -I directories that make the local includes resolvable for NVRTC and nvcc. */
  includeDirs: string[];
}

const INCLUDE_RE = /^\s*#\s*include\s*"([^"]+)"/gm;

/**
 * Read a kernel source and the local headers it pulls in with `#include "..."` (searched next to the
 * including file, then in kernels/ and kernels/common/). System headers (<cuda_fp8.h>) are not followed:
 * the compiler version in the cache key stands for them.
 */
export function collectSources(spec: { file?: string; source?: string }, root = kernelsRoot()): SourceSet {
  let main: string;
  let text: string;
  if (spec.source !== undefined) {
    if (typeof spec.source !== 'string')
      fail('E_UNSUPPORTED', 'source must be a string', { arg: 'getKernel.source' });
    main = '<inline>';
    text = spec.source;
  } else if (typeof spec.file === 'string' && spec.file.length > 0) {
    main = isAbsolute(spec.file) ? spec.file : join(root, spec.file);
    if (!existsSync(main))
      fail('E_COMPILE', 'kernel source file not found', {
        arg: 'getKernel.file',
        expected: `a file under ${root}`,
        actual: spec.file,
      });
    text = readFileSync(main, 'utf8');
  } else {
    return fail('E_UNSUPPORTED', 'getKernel needs `file` or `source`', {
      arg: 'getKernel',
      expected: 'file | source',
    });
  }
  const baseDirs = [root, join(root, 'common')];
  const files: Array<{ path: string; text: string }> = [];
  const seen = new Set<string>();
  const visit = (src: string, from: string) => {
    for (const m of src.matchAll(INCLUDE_RE)) {
      const dirs = from === '<inline>' ? baseDirs : [dirname(from), ...baseDirs];
      const hit = dirs.map((d) => join(d, m[1])).find((p) => existsSync(p));
      if (!hit || seen.has(hit)) continue;
      seen.add(hit);
      const t = readFileSync(hit, 'utf8');
      files.push({ path: hit, text: t });
      visit(t, hit);
    }
  };
  visit(text, main);
  const includeDirs = [...new Set([...(main === '<inline>' ? [] : [dirname(main)]), ...baseDirs])].filter(
    (d) => existsSync(d),
  );
  return { main, text, files, includeDirs };
}

const safeReaddir = (d: string): string[] => {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
};

/**
 * Include directories holding the CUDA headers NVRTC needs (cuda_fp8.h, cuda_bf16.h, cuda/std/...): the
 * toolkit's include (+ include/cccl in CUDA 13) from CUDA_HOME/CUDA_PATH/nvcc's location, or the pip
 * nvidia/<pkg>/include folders.
 */
export function cudaIncludeDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs: string[] = [];
  for (const root of cudaRoots(env))
    for (const d of [join(root, 'include'), join(root, 'targets/x86_64-linux/include')])
      if (existsSync(join(d, 'cuda_fp16.h'))) dirs.push(d, join(d, 'cccl'));
  for (const nv of pipNvidiaRoots(env))
    for (const pkg of safeReaddir(nv)) {
      const d = join(nv, pkg, 'include');
      if (existsSync(d)) dirs.push(d, join(d, 'cccl'));
    }
  return [...new Set(dirs)].filter((d) => existsSync(d));
}

/** `nvcc` from CUDA_HOME/CUDA_PATH/PATH/usr/local/cuda*, or null. */
export function findNvcc(env: NodeJS.ProcessEnv = process.env): string | null {
  for (const root of cudaRoots(env)) {
    const p = join(root, 'bin', 'nvcc');
    if (existsSync(p)) return p;
  }
  return null;
}
