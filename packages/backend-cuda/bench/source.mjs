#!/usr/bin/env node
// Run a bench script against the TypeScript sources (the `source` export condition) instead of dist/:
// esbuild bundles it into .cache/bench/ (no keepNames helpers, so profiles show the real functions), then
// it runs in a child node with the given arguments; flags before the script name go to that node.
//   node packages/backend-cuda/bench/source.mjs launch-overhead.mjs --ops moePermute
//   node packages/backend-cuda/bench/source.mjs --cpu-prof --cpu-prof-dir=/tmp/prof launch-overhead.mjs ...
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const at = argv.findIndex((a) => !a.startsWith('--'));
const nodeFlags = argv.slice(0, Math.max(at, 0));
const [script, ...rest] = at < 0 ? [] : argv.slice(at);
if (!script) throw new Error('usage: source.mjs <bench script> [args...]');
let esbuild = null;
for (let d = here; d !== dirname(d) && !esbuild; d = dirname(d)) {
  const p = join(d, 'node_modules', '.bin', 'esbuild');
  if (existsSync(p)) esbuild = p;
}
if (!esbuild) throw new Error('esbuild not found in any node_modules/.bin above the bench');
const out = join(here, '..', '.cache', 'bench', script);
execFileSync(esbuild, [
  join(here, script),
  '--bundle',
  '--platform=node',
  '--format=esm',
  '--conditions=source',
  '--external:koffi',
  '--log-level=warning',
  `--outfile=${out}`,
]);
const r = spawnSync(process.execPath, [...nodeFlags, out, ...rest], { stdio: 'inherit' });
process.exit(r.status ?? 1);
