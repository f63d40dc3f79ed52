/**
 * CUDA compile tier (brief §5): compile every kernel instantiation the launchers can choose
 * (src/ops/instances.ts) with `nvcc -cubin -arch=<arch> -Xptxas -v`, parse the ptxas register / spill report,
 * and fail on compile errors, missing entry points, and local memory (spills or stack frames) in hot kernels.
 * Results are cached by sha256(source + local headers + defines + arch + nvcc version) under
 * packages/backend-cuda/.cache/compile-tier (git-ignored); compiles run `jobs` at a time (default 2).
 *
 * CLI: `npx tsx packages/backend-cuda/scripts/compile-tier.ts [--arch sm_90a,...] [--jobs 2]`
 * (also run by test/compile.test.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KERNEL_INSTANCES, type KernelInstance } from '../src/ops/instances.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const KERNELS_DIR = resolve(HERE, '../kernels');
export const CACHE_DIR = resolve(HERE, '../.cache/compile-tier');

export interface FunctionReport {
  registers: number;
  stackFrame: number;
  spillStores: number;
  spillLoads: number;
  sharedBytes: number;
}

export interface UnitResult {
  file: string;
  arch: string;
  defines: Readonly<Record<string, number>>;
  hot: boolean;
  ok: boolean;
  cached: boolean;
  /** Compiler output when the compile failed. */
  error?: string;
  functions: Record<string, FunctionReport>;
  /** Why this unit fails the tier (empty when it passes). */
  problems: string[];
}

/** nvcc to use: $NVCC, then nvcc on PATH, then /usr/local/cuda/bin/nvcc. Null when none runs. */
export function findNvcc(): string | null {
  for (const c of [process.env.NVCC, 'nvcc', '/usr/local/cuda/bin/nvcc', '/usr/local/bin/nvcc']) {
    if (!c) continue;
    const r = spawnSync(c, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return c;
  }
  return null;
}

function nvccVersion(nvcc: string): string {
  return spawnSync(nvcc, ['--version'], { encoding: 'utf8' }).stdout.trim();
}

/** The file's text plus every local header it includes (transitively), for the cache key. */
export function sourceClosure(file: string): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    const text = readFileSync(path, 'utf8');
    parts.push(`//${path.slice(KERNELS_DIR.length)}\n${text}`);
    for (const m of text.matchAll(/^\s*#\s*include\s*"([^"]+)"/gm)) {
      const hit = [join(dirname(path), m[1]), join(KERNELS_DIR, m[1])].find((p) => existsSync(p));
      if (hit) visit(hit);
    }
  };
  visit(join(KERNELS_DIR, file));
  return parts.join('\n');
}

/** Parse `-Xptxas -v` output into per-function reports. */
export function parsePtxasReport(log: string): Record<string, FunctionReport> {
  const out: Record<string, FunctionReport> = {};
  let current: string | null = null;
  for (const line of log.split('\n')) {
    const entry =
      /Compiling entry function '([^']+)'/.exec(line) ?? /Function properties for (\S+)/.exec(line);
    if (entry) {
      current = entry[1];
      out[current] ??= { registers: 0, stackFrame: 0, spillStores: 0, spillLoads: 0, sharedBytes: 0 };
      continue;
    }
    if (!current) continue;
    const f = out[current];
    const spill = /(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads/.exec(line);
    if (spill) {
      f.stackFrame = Number(spill[1]);
      f.spillStores = Number(spill[2]);
      f.spillLoads = Number(spill[3]);
    }
    const regs = /Used (\d+) registers/.exec(line);
    if (regs) f.registers = Number(regs[1]);
    const smem = /(\d+) bytes smem/.exec(line);
    if (smem) f.sharedBytes = Number(smem[1]);
  }
  return out;
}

function judge(inst: KernelInstance, r: Omit<UnitResult, 'problems'>): string[] {
  if (!r.ok) return [`compile error: ${(r.error ?? '').split('\n').slice(0, 6).join(' | ')}`];
  const problems: string[] = [];
  for (const name of inst.names)
    if (!r.functions[name]) problems.push(`entry point ${name} missing from the cubin`);
  if (inst.hot)
    for (const [name, f] of Object.entries(r.functions))
      if (f.spillStores > 0 || f.spillLoads > 0 || f.stackFrame > 0)
        problems.push(
          `${name}: local memory in a hot kernel (${f.stackFrame} B stack, ${f.spillStores} B spill stores, ${f.spillLoads} B spill loads, ${f.registers} regs)`,
        );
  return problems;
}

function compileOnce(
  nvcc: string,
  inst: KernelInstance,
  arch: string,
  key: string,
): Promise<Omit<UnitResult, 'problems'>> {
  const cachePath = join(CACHE_DIR, `${key}.json`);
  if (existsSync(cachePath)) {
    const r = JSON.parse(readFileSync(cachePath, 'utf8')) as Omit<UnitResult, 'problems'>;
    return Promise.resolve({ ...r, cached: true });
  }
  const dir = mkdtempSync(join(tmpdir(), 'gk-tier-'));
  const args = [
    '-cubin',
    `-arch=${arch}`,
    '-Xptxas',
    '-v',
    '-std=c++17',
    `-I${KERNELS_DIR}`,
    ...Object.entries(inst.defines).map(([k, v]) => `-D${k}=${v}`),
    '-o',
    join(dir, 'k.cubin'),
    join(KERNELS_DIR, inst.file),
  ];
  return new Promise((done) => {
    const p = spawn(nvcc, args, { cwd: KERNELS_DIR });
    let log = '';
    p.stdout.on('data', (d) => {
      log += d;
    });
    p.stderr.on('data', (d) => {
      log += d;
    });
    p.on('close', (code) => {
      rmSync(dir, { recursive: true, force: true });
      const r = {
        file: inst.file,
        arch,
        defines: inst.defines,
        hot: inst.hot,
        ok: code === 0,
        cached: false,
        ...(code === 0 ? {} : { error: log }),
        functions: code === 0 ? parsePtxasReport(log) : {},
      };
      // Atomic write: a crashed run never leaves a half-written cache entry.
      mkdirSync(CACHE_DIR, { recursive: true });
      const tmp = `${cachePath}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(r));
      renameSync(tmp, cachePath);
      done(r);
    });
  });
}

export interface TierOptions {
  /** Only these archs (default: each instance's own list). */
  archs?: readonly string[];
  jobs?: number;
  nvcc?: string;
  onResult?: (r: UnitResult) => void;
}

/** Compile every (instance, arch) unit; resolves with all results (check `problems`). */
export async function runCompileTier(opts: TierOptions = {}): Promise<UnitResult[]> {
  const nvcc = opts.nvcc ?? findNvcc();
  if (!nvcc) throw new Error('nvcc not found (set NVCC or put it on PATH)');
  const version = nvccVersion(nvcc);
  const units: Array<{ inst: KernelInstance; arch: string; key: string }> = [];
  const closures = new Map<string, string>();
  for (const inst of KERNEL_INSTANCES) {
    if (!closures.has(inst.file)) closures.set(inst.file, sourceClosure(inst.file));
    for (const arch of inst.archs) {
      if (opts.archs && !opts.archs.includes(arch)) continue;
      const key = createHash('sha256')
        .update(closures.get(inst.file) ?? '')
        .update(JSON.stringify(inst.defines))
        .update(arch)
        .update(version)
        .digest('hex');
      units.push({ inst, arch, key });
    }
  }
  const results: UnitResult[] = new Array(units.length);
  let next = 0;
  const worker = async () => {
    while (next < units.length) {
      const i = next++;
      const u = units[i];
      const r = await compileOnce(nvcc, u.inst, u.arch, u.key);
      results[i] = { ...r, problems: judge(u.inst, r) };
      opts.onResult?.(results[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.jobs ?? 2) }, worker));
  return results;
}

function describe(r: UnitResult): string {
  const defs = Object.entries(r.defines)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const regs = Object.entries(r.functions)
    .map(([n, f]) => `${n}:${f.registers}r`)
    .join(' ');
  return `${r.ok && r.problems.length === 0 ? 'ok  ' : 'FAIL'} ${r.arch.padEnd(8)} ${r.file} ${defs} ${regs}${r.cached ? ' (cached)' : ''}`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const val = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const archs = val('--arch')?.split(',');
  const jobs = Number(val('--jobs') ?? 2);
  runCompileTier({ archs, jobs, onResult: (r) => console.log(describe(r)) }).then(
    (rs) => {
      const bad = rs.filter((r) => r.problems.length > 0);
      for (const r of bad) console.error(`${describe(r)}\n  ${r.problems.join('\n  ')}`);
      console.log(`${rs.length - bad.length}/${rs.length} units pass`);
      process.exit(bad.length ? 1 : 0);
    },
    (e) => {
      console.error(e);
      process.exit(2);
    },
  );
}
