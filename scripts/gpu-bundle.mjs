#!/usr/bin/env node
// Assemble .gpu-bundle/app: the built dist of every workspace package plus a pruned node_modules holding
// only runtime dependencies (koffi's linux-x64 prebuilt, webgpu's linux-x64 dawn.node), and the GPU-tier
// runner. Called by scripts/gpu-bundle.sh after `pnpm build`; see docs/cuda-runtime.md.
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// --dir D: assemble elsewhere (a test of this script that leaves the real bundle alone).
const dirArg = process.argv.indexOf('--dir');
const bundle = dirArg > 0 ? resolve(process.argv[dirArg + 1]) : join(repo, '.gpu-bundle');
const app = join(bundle, 'app');
const nm = join(app, 'node_modules');

/** Files of a dependency that the runtime needs; null = whole package minus obvious non-runtime dirs. */
const PRUNE = {
  koffi: ['package.json', 'index.js', 'indirect.js', 'index.d.ts', 'LICENSE.txt', 'build/koffi/linux_x64'],
  webgpu: ['package.json', 'index.js', 'types.d.ts', 'LICENSE.md', 'dist/linux-x64'],
};
const SKIP_DIRS = new Set(['node_modules', 'test', 'tests', 'docs', 'doc', '.github']);

function workspacePackages() {
  const out = [];
  for (const group of ['packages', 'apps'])
    for (const d of existsSync(join(repo, group)) ? readdirSync(join(repo, group)) : []) {
      const pj = join(repo, group, d, 'package.json');
      if (existsSync(pj)) out.push({ dir: join(repo, group, d), pkg: JSON.parse(readFileSync(pj, 'utf8')) });
    }
  return out;
}

function packageDirOf(name, fromDir) {
  // pnpm: a package's own dependencies sit next to its real (store) path, not its symlink.
  const req = createRequire(join(realpathSync(fromDir), 'package.json'));
  for (const p of req.resolve.paths(name) ?? []) {
    const d = join(p, name);
    if (existsSync(join(d, 'package.json'))) return d;
  }
  throw new Error(`cannot resolve ${name} from ${fromDir}`);
}

function copyFiltered(src, dst) {
  cpSync(src, dst, {
    recursive: true,
    dereference: true,
    filter: (s) => !(statSync(s).isDirectory() && SKIP_DIRS.has(s.split('/').pop()) && s !== src),
  });
}

const copied = new Map();
function copyDependency(name, fromDir) {
  if (copied.has(name)) return;
  const dir = packageDirOf(name, fromDir);
  const dst = join(nm, name);
  copied.set(name, dst);
  const keep = PRUNE[name];
  if (keep) {
    for (const k of keep)
      if (existsSync(join(dir, k)))
        cpSync(join(dir, k), join(dst, k), { recursive: true, dereference: true });
    if (name === 'webgpu') return; // its dependencies (debug, @webgpu/types) serve only its build scripts and types
  } else copyFiltered(dir, dst);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  for (const dep of Object.keys(pkg.dependencies ?? {})) copyDependency(dep, dir);
  // Native packages ship per-platform binaries as optional dependencies: keep only linux x64 (glibc).
  for (const dep of Object.keys(pkg.optionalDependencies ?? {}))
    if (/linux-x64-gnu|linux-x64$/.test(dep)) {
      try {
        copyDependency(dep, dir);
      } catch {
        // not installed on this platform
      }
    }
}

rmSync(app, { recursive: true, force: true });
mkdirSync(nm, { recursive: true });
const ws = workspacePackages();
const names = new Set(ws.map((w) => w.pkg.name));
for (const { dir, pkg } of ws) {
  if (!pkg.name.startsWith('@gemmkit/') || dir.includes('/apps/playground')) continue;
  if (!existsSync(join(dir, 'dist'))) throw new Error(`${pkg.name} has no dist/: run pnpm build first`);
  const dst = join(nm, pkg.name);
  mkdirSync(dst, { recursive: true });
  cpSync(join(dir, 'package.json'), join(dst, 'package.json'));
  cpSync(join(dir, 'dist'), join(dst, 'dist'), { recursive: true, filter: (s) => !s.endsWith('.map') });
  if (existsSync(join(dir, 'kernels')))
    cpSync(join(dir, 'kernels'), join(dst, 'kernels'), { recursive: true });
  for (const dep of Object.keys(pkg.dependencies ?? {})) if (!names.has(dep)) copyDependency(dep, dir);
}
// The WebGPU backend loads `webgpu` (Dawn) at run time; bring it even if not declared yet.
if (!copied.has('webgpu')) {
  try {
    copyDependency('webgpu', join(repo, 'packages', 'backend-webgpu'));
  } catch (e) {
    console.warn(`webgpu not bundled: ${e.message}`);
  }
}
for (const f of readdirSync(join(repo, 'scripts')))
  if (/^gpu-tier.*\.mjs$/.test(f)) cpSync(join(repo, 'scripts', f), join(app, f));
// The WebGPU GEMM benchmark and its cuBLAS peer (bench/webgpu/run.sh): the bench runs from app/ (it imports
// @gemmkit/*); copies under app/bench/ serve when the working tree did not travel with the bundle.
mkdirSync(join(app, 'bench'), { recursive: true });
for (const f of [
  'packages/backend-webgpu/bench/webgpu-gemm.mjs',
  'bench/webgpu/peer.py',
  'bench/webgpu/merge.mjs',
  'bench/moe-grouped/library-bench.mjs',
  'bench/moe-grouped/peer_extra.py',
])
  if (existsSync(join(repo, f))) cpSync(join(repo, f), join(app, 'bench', f.split('/').pop()));
cpSync(join(repo, 'packages/backend-webgpu/bench/webgpu-gemm.mjs'), join(app, 'webgpu-gemm.mjs'));
writeFileSync(
  join(app, 'package.json'),
  JSON.stringify({ name: 'gemmkit-gpu-tier', private: true, type: 'module' }, null, 2),
);

let total = 0;
const sizes = [];
(function walk(d) {
  for (const f of readdirSync(d)) {
    const p = join(d, f);
    const s = statSync(p);
    if (s.isDirectory()) walk(p);
    else {
      total += s.size;
      if (s.size > 1 << 20) sizes.push(`${(s.size / 2 ** 20).toFixed(1)} MiB ${relative(bundle, p)}`);
    }
  }
})(app);
console.log(
  `app: ${(total / 2 ** 20).toFixed(1)} MiB; dependencies: ${[...copied.keys()].join(', ') || 'none'}`,
);
for (const s of sizes) console.log(`  ${s}`);
