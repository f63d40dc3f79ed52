#!/usr/bin/env node
// GPU-tier runner (runs from .gpu-bundle/app on the GPU host; see scripts/gpu-tier.sh). Sections:
//   runtime      bindings/runtime self-checks: memory, staging, allocator reuse, JIT + launch with every
//                argument kind, clusters, >48 KiB shared memory, TMA descriptor + load, status word,
//                events, cuBLASLt bf16/FP8 vs the CPU reference, OOM recovery, dispose/re-create
//   jit          cold NVRTC/nvcc compile, warm start in a fresh process, concurrent processes on one cache
//   conformance  the shared conformance matrix of @gemmkit/core/conformance on 'cuda' vs 'cpu'
//   badinput     the shared bad-input matrix; after every case a small valid op on the same backend is
//                checked against cpu (`contextAlive`), so a rejected call that broke the context fails
//   bench        a short bench (CUDA events) of bmmFp16 / bmmFp8 through cuBLASLt
// A case that leaves the context dead (sticky CUDA error, lost device) is blamed, and the context is
// disposed and created anew (at most 8 times, recorded in `contextRecoveries`) so later cases still count.
// With --backend=webgpu it runs only the conformance and badinput sections on the WebGPU backend instead.
// Options: --only=a,b (sections), --ops=a,b (ops of the conformance/badinput matrices), --deadline-s=N,
// --results=<file name under --out> (default gpu-tier.json / gpu-tier-<backend>.json), --quick,
// --validate=full|fast (default full: bad index data is refused on the host before any launch; fast: the kernels
// meet it, skip and flag it through the device status word, and the error comes at sync — what the
// compute-sanitizer run needs to see).
// Each check records ok/failures/details; results are saved as they come (complete: false until the end).
// Exit code 1 if any check fails.
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpu } from '@gemmkit/backend-cpu';
import { CudaRuntime, cuda, cudaRuntimeOf } from '@gemmkit/backend-cuda';
import { calcDiff, contracts, createContext, GemmkitError, maxAbsDiff, randn, Tensor } from '@gemmkit/core';
import {
  badInputCases,
  conformanceCases,
  moveView,
  runBadInputCase,
  runConformanceCase,
  runStridedCase,
} from '@gemmkit/core/conformance';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return dflt;
  return argv[i].includes('=') ? argv[i].split('=').slice(1).join('=') : argv[i + 1];
};
const quick = argv.includes('--quick');

// Child modes (JIT warm start / concurrency): compile one kernel in a fresh process and report.
if (argv[0] === '--jit-child') {
  const [, cacheDir, compiler] = argv;
  const t0 = performance.now();
  const rt = CudaRuntime.create({ cacheDir, compiler });
  const t1 = performance.now();
  const k = rt.getKernel(JIT_SPEC());
  const t2 = performance.now();
  console.log(
    JSON.stringify({
      createMs: t1 - t0,
      getKernelMs: t2 - t1,
      source: rt.jitStats.last?.source,
      regs: k.numRegs,
    }),
  );
  rt.dispose();
  process.exit(0);
}

// Sanitizer verdict (called by gpu-tier.sh --sanitize after the sanitized run): parse compute-sanitizer's
// log and write the verdict into that run's JSON as `sanitizer`. Exit 1 unless the log says 0 errors.
if (argv[0] === '--sanitizer-verdict') {
  const [, jsonFile, logFile, rcText, versionFile] = argv;
  const v = sanitizerVerdict(
    existsSync(logFile) ? readFileSync(logFile, 'utf8') : '',
    Number(rcText),
    versionFile && existsSync(versionFile) ? readFileSync(versionFile, 'utf8') : '',
  );
  v.log = logFile.split('/').pop();
  let doc = { complete: false, note: 'the sanitized runner wrote no JSON (crashed or killed early)' };
  try {
    doc = JSON.parse(readFileSync(jsonFile, 'utf8'));
  } catch {
    // keep the stub: the verdict still lands in a file
  }
  // No error under the sanitizer means nothing when no case ran under it (CUDA unavailable, a crash).
  v.casesRun = doc.badinputSummary?.cases ?? 0;
  if (v.verdict === 'clean' && v.casesRun === 0) v.verdict = 'nothing checked';
  doc.sanitizer = v;
  writeFileSync(jsonFile, JSON.stringify(doc, null, 2));
  console.log(
    `sanitizer (memcheck): ${v.verdict}; errors ${v.errors ?? 'unknown'}; exit ${v.exitCode}; log ${logFile}`,
  );
  for (const e of v.firstErrors) console.log(`   ${e}`);
  process.exit(v.verdict === 'clean' ? 0 : 1);
}

/** compute-sanitizer's outcome from its log text and exit status (86 = errors found, 124/137 = killed). */
function sanitizerVerdict(log, exitCode, versionText) {
  const sums = [...log.matchAll(/ERROR SUMMARY: (\d+) errors?/g)];
  const errors = sums.length ? sums.reduce((n, m) => n + Number(m[1]), 0) : null;
  // Error headers sit right after the "========= " prefix; details (backtraces) are indented further.
  const headers = log
    .split('\n')
    .filter(
      (l) =>
        /^========= \S/.test(l) &&
        !/ERROR SUMMARY|COMPUTE-SANITIZER|Target application|Saved host backtrace|Frame/.test(l),
    )
    .map((l) => l.slice(10));
  // "Program hit <error> on CUDA API call ..." is an API call that returned an error (a library may probe
  // and recover); anything else (invalid/misaligned access, hardware exception) is a kernel's fault.
  const api = headers.filter((h) => /^Program hit/.test(h)).length;
  const killed = exitCode === 124 || exitCode === 137;
  const verdict = errors === null || killed ? 'incomplete' : errors === 0 ? 'clean' : 'errors';
  return {
    tool: 'memcheck',
    version: (versionText.match(/Version\s+(\S+)/) ?? [])[1] ?? null,
    options: '--tool memcheck --leak-check no --error-exitcode 86',
    exitCode,
    killed,
    errors,
    apiErrorReports: api,
    kernelErrorReports: headers.length - api,
    summaries: sums.map((m) => m[0]),
    verdict,
    firstErrors: headers.slice(0, 20),
  };
}

function JIT_SPEC() {
  // The project's biggest kernel (Hopper FP8 GEMM, default config) as the cold/warm compile workload.
  return { file: 'sm90/fp8_gemm_sm90.cu', name: 'fp8_gemm_sm90', arch: 'sm_90a' };
}

const outDir = opt('out', join(process.cwd(), 'test-output', 'gpu-tier'));
const target = opt('backend', 'cuda');
const resultsFile = join(
  outDir,
  opt('results', target === 'cuda' ? 'gpu-tier.json' : `gpu-tier-${target}.json`),
);
const validateMode = opt('validate', 'full');
if (validateMode !== 'full' && validateMode !== 'fast') {
  console.error(`--validate=${validateMode}: expected full or fast`);
  process.exit(2);
}
const only = new Set((opt('only', 'runtime,jit,conformance,badinput,bench') ?? '').split(','));
const opsFilter = opt('ops') ? new Set(opt('ops').split(',')) : null;
mkdirSync(outDir, { recursive: true });
const results = {
  startedAt: new Date().toISOString(),
  node: process.version,
  backend: target,
  only: [...only],
  validate: validateMode,
  ops: opsFilter ? [...opsFilter] : 'all',
  complete: false,
  host: hostInfo(),
  commit: bundleCommit(),
  sections: {},
};

/** GPU name and NVIDIA driver from nvidia-smi (absent on a machine without one). */
function hostInfo() {
  try {
    const line = execFileSync(
      'nvidia-smi',
      ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 20000 },
    )
      .trim()
      .split('\n')[0];
    const [gpu, driver, memory] = line.split(',').map((x) => x.trim());
    return { gpu, driver, memory };
  } catch (e) {
    return { error: `nvidia-smi: ${String(e?.message ?? e).split('\n')[0]}` };
  }
}

/** The commit the bundle was built from (written by gpu-bundle.sh next to app/). */
function bundleCommit() {
  const f = join(dirname(fileURLToPath(import.meta.url)), '..', 'commit');
  return existsSync(f) ? readFileSync(f, 'utf8').trim() : null;
}
let failed = 0;

// Stop starting checks after --deadline-s seconds (the device call has a hard limit); what is left is listed.
const deadline = Date.now() + Number(opt('deadline-s', '1e9')) * 1000;
const notRun = [];

async function check(section, name, fn) {
  if (Date.now() > deadline) {
    notRun.push(`[${section}] ${name}`);
    return null;
  }
  const t0 = performance.now();
  const rec = { name, ok: true, ms: 0, details: undefined, failures: [] };
  try {
    rec.details = await fn((msg) => rec.failures.push(msg));
  } catch (e) {
    rec.failures.push(e instanceof GemmkitError ? `${e.code}: ${e.message}` : String(e?.stack ?? e));
  }
  rec.ok = rec.failures.length === 0;
  rec.ms = Math.round(performance.now() - t0);
  if (!rec.ok) failed++;
  (results.sections[section] ??= []).push(rec);
  console.log(
    `${rec.ok ? 'PASS' : 'FAIL'} [${section}] ${name} (${rec.ms} ms)${rec.ok ? '' : `\n   ${rec.failures.join('\n   ')}`}`,
  );
  return rec;
}

function save(complete = false) {
  results.complete = complete;
  results.finishedAt = new Date().toISOString();
  results.failed = failed;
  results.notRun = notRun;
  writeFileSync(
    resultsFile,
    JSON.stringify(results, (_k, v) => (typeof v === 'bigint' ? `${v}` : v), 2),
  );
}

const expectEq = (fail, what, a, b) => {
  if (a !== b) fail(`${what}: expected ${b}, got ${a}`);
};

const caseOps = (c, name) => {
  const ops = new Set(c.get(name).capabilities.ops);
  return (op) => ops.has(op) && (!opsFilter || opsFilter.has(op));
};

const MAX_RECOVERIES = 8;
results.contextRecoveries = [];

/**
 * The context the conformance and bad-input matrices run in. When a case leaves it dead (a sticky CUDA
 * error such as an illegal instruction, a lost WebGPU device), it is disposed and created anew so the
 * cases after it still mean something; every re-creation is recorded in `contextRecoveries`.
 */
function makeSession(ctx, name, create) {
  const s = {
    ctx,
    name,
    probe: makeLivenessProbe(ctx, name),
    broken: false,
    /** Run the liveness probe on the current context: { ok, diff?, error?, ms }. */
    async alive() {
      const t0 = performance.now();
      let p;
      if (!s.probe)
        p = { ok: false, error: 'no liveness probe: the backend has no op with a conformance case' };
      else
        try {
          p = await s.probe.run(s.ctx);
        } catch (e) {
          p = { ok: false, error: e instanceof GemmkitError ? `${e.code}: ${e.message}` : String(e) };
        }
      p.ms = Math.round((performance.now() - t0) * 10) / 10;
      return p;
    },
    /** Dispose the dead context and create a new one; false when that did not bring the backend back. */
    async recover(section, after) {
      if (s.broken) return false; // an earlier re-creation failed or the limit was reached: recorded then
      const rec = { section, after, ok: false };
      results.contextRecoveries.push(rec);
      if (results.contextRecoveries.length > MAX_RECOVERIES) {
        rec.error = `more than ${MAX_RECOVERIES} re-creations: giving up`;
        s.broken = true;
        return false;
      }
      const t0 = performance.now();
      try {
        await s.ctx.dispose();
      } catch (e) {
        rec.disposeError = String(e?.message ?? e).slice(0, 300); // expected with a sticky error
      }
      try {
        s.ctx = await create();
        const st = s.ctx.status.find((x) => x.name === name);
        if (!st?.available) throw new Error(`'${name}' unavailable after re-creation: ${st?.reason}`);
        const p = await s.alive();
        rec.ok = p.ok;
        if (!p.ok) rec.error = p.error;
      } catch (e) {
        rec.error = String(e?.message ?? e).slice(0, 300);
      }
      rec.ms = Math.round(performance.now() - t0);
      if (!rec.ok) s.broken = true;
      console.log(
        `     context re-created after [${section}] ${after}: ${rec.ok ? 'alive again' : `FAILED: ${rec.error}`}`,
      );
      return rec.ok;
    },
  };
  return s;
}

/** The shared conformance matrix of @gemmkit/core/conformance for `name` against 'cpu'. */
async function runConformance(s) {
  const { name } = s;
  const has = caseOps(s.ctx, name);
  const byOp = {};
  for (const k of conformanceCases) {
    if (!has(k.op)) continue;
    const rec = await check('conformance', `${k.op}: ${k.name}`, async (fail) => {
      const r = await runConformanceCase(s.ctx, k, { backend: name, reference: 'cpu' });
      for (const f of r.failures) fail(f);
      (byOp[k.op] ??= { pass: 0, fail: 0 })[r.failures.length ? 'fail' : 'pass']++;
      const details = { op: k.op, case: k.name, metrics: r.metrics };
      if (r.failures.length) {
        // A failed case may have killed the context: probe it, so the blame stays with this case.
        const p = await s.alive();
        details.contextAlive = p.ok;
        if (!p.ok) {
          details.probeError = p.error;
          details.contextRecreated = await s.recover('conformance', `${k.op}: ${k.name}`);
        }
      }
      return details;
    });
    if (rec) (results.conformanceProgress ??= { cases: 0 }).cases++;
    if (rec && results.conformanceProgress.cases % 50 === 0) save();
    // The same case with every tensor as a padded, offset view: works, or refused with E_LAYOUT naming it.
    await check('conformance', `${k.op}: ${k.name} (strided views)`, async (fail) => {
      const r = await runStridedCase(s.ctx, k, { backend: name, reference: 'cpu' });
      for (const f of r.failures) fail(f);
      (byOp[k.op] ??= { pass: 0, fail: 0 })[r.failures.length ? 'fail' : 'pass']++;
      const details = { op: k.op, case: `${k.name} (strided views)`, strided: r.strided, refused: r.refused };
      if (r.failures.length) {
        const p = await s.alive();
        details.contextAlive = p.ok;
        if (!p.ok) details.contextRecreated = await s.recover('conformance', `${k.op}: ${k.name} strided`);
      }
      return details;
    });
  }
  delete results.conformanceProgress;
  results.conformanceSummary = byOp;
  const ops = s.ctx.get(name).capabilities.ops;
  results.opsWithoutCases = ops.filter((o) => !conformanceCases.some((k) => k.op === o));
  save();
}

/**
 * A small valid op on backend `name`, checked against cpu: after a bad-input call it proves that the
 * backend's context survived (a sticky CUDA error or a lost WebGPU device fails every later call).
 * bmmFp16 64x64x128 where the backend has it, else the first conformance case of its ops.
 * `run(c)` takes the context to probe (it changes when a dead one is re-created).
 */
function makeLivenessProbe(c0, name) {
  const ops = c0.get(name).capabilities.ops;
  if (ops.includes('bmmFp16')) {
    const host = {
      a: randn('bf16', [1, 64, 128], 0x51),
      b: randn('bf16', [1, 64, 128], 0x52).transpose(1, 2),
      outDtype: 'bf16',
    };
    let ref = null; // cpu result, computed once
    return {
      name: 'bmmFp16 bf16 1x64x64x128 vs cpu',
      async run(c) {
        ref ??= await c.run('bmmFp16', host, { backend: 'cpu' }).toHost();
        const a = moveView(c, host.a, name);
        const b = moveView(c, host.b, name);
        const y = c.run('bmmFp16', { a, b, outDtype: 'bf16' }, { backend: name });
        try {
          await c.get(name).sync();
          const got = await y.toHost();
          if (got.shape.join() !== ref.shape.join()) return { ok: false, error: `shape ${got.shape}` };
          const diff = calcDiff(got, ref);
          // calcDiff of NaN is NaN: an unwritten (poisoned) or garbage output fails here.
          return diff <= 1e-5 ? { ok: true, diff } : { ok: false, diff, error: `calcDiff ${diff}` };
        } finally {
          for (const t of [a, b, y]) t.dispose?.();
        }
      },
    };
  }
  const k = conformanceCases.find((x) => ops.includes(x.op));
  if (!k) return null;
  return {
    name: `${k.op}: ${k.name} vs cpu`,
    async run(c) {
      const r = await runConformanceCase(c, k, { backend: name, reference: 'cpu' });
      const diff = Object.values(r.metrics)[0]?.calcDiff;
      return r.failures.length ? { ok: false, diff, error: r.failures.join('; ') } : { ok: true, diff };
    },
  };
}

/** The shared bad-input matrix for `name`, each case followed by the liveness probe. */
/**
 * --validate=fast leaves index *values* to the kernels: they skip bad data and raise a status flag, which comes
 * back at sync as E_RANGE naming the op rather than the argument ('device-flagged'). Value checks only the host
 * can make (a stale schedule, a count's alignment) are not made: such a case runs ('accepted-unchecked'). Both
 * are recorded per case and counted; any other failure (wrong code, a non-Gemmkit error, a dead context) fails.
 */
function fastOutcome(k, failures) {
  // Value-level checks on index data: out-of-range (E_RANGE), misaligned counts (E_ALIGN), rows of two
  // experts in one aligned block (E_LAYOUT). The device reports each as one status flag → E_RANGE at sync.
  if (!failures.length || !['E_RANGE', 'E_ALIGN', 'E_LAYOUT'].includes(k.code)) return null;
  if (
    failures.every((f) => f.includes('device status: bad index data detected by') && f.includes(` ${k.op}`))
  )
    return 'deviceFlagged';
  if (failures.length === 1 && failures[0].startsWith('accepted;') && k.code !== 'E_LAYOUT')
    return 'acceptedUnchecked';
  return null;
}

async function runBadInput(s) {
  const { name } = s;
  const has = caseOps(s.ctx, name);
  const summary = { cases: 0, pass: 0, fail: 0, contextDead: 0, probe: s.probe?.name ?? null };
  results.badinputSummary = summary;
  const byOp = {};
  for (const k of badInputCases) {
    if (!has(k.op)) continue;
    const rec = await check('badinput', `${k.op} rejects ${k.name} with ${k.code}`, async (fail) => {
      const r = await runBadInputCase(s.ctx, k, { backend: name });
      const details = { op: k.op, case: k.name, code: k.code, arg: k.arg ?? null };
      const outcome = validateMode === 'fast' ? fastOutcome(k, r.failures) : null;
      if (outcome) {
        details.fastOutcome = outcome;
        summary[outcome] = (summary[outcome] ?? 0) + 1;
      } else for (const f of r.failures) fail(f);
      const p = await s.alive();
      details.contextAlive = p.ok;
      details.probeMs = p.ms;
      if (p.diff !== undefined) details.probeDiff = p.diff;
      if (!p.ok) {
        details.probeError = p.error;
        fail(`context not alive after the case: ${s.probe?.name}: ${p.error}`);
        details.contextRecreated = await s.recover('badinput', `${k.op}: ${k.name}`);
      }
      return details;
    });
    if (!rec) continue; // past the deadline
    summary.cases++;
    summary[rec.ok ? 'pass' : 'fail']++;
    if (!rec.details?.contextAlive) summary.contextDead++;
    (byOp[k.op] ??= { pass: 0, fail: 0 })[rec.ok ? 'pass' : 'fail']++;
    if (summary.cases % 50 === 0) save();
  }
  results.badinputByOp = byOp;
  save();
}

// --backend=webgpu: only the conformance and bad-input matrices of the WebGPU backend (Dawn on the GPU host's Vulkan driver).
if (target === 'webgpu') {
  const { webgpu } = await import('@gemmkit/backend-webgpu');
  const createWebgpu = () => createContext({ backends: [webgpu(), cpu()], validate: validateMode });
  const wctx = await createWebgpu();
  const st = wctx.status.find((x) => x.name === 'webgpu');
  results.webgpu = st;
  console.log(
    `webgpu: ${st.available ? `${st.capabilities.device} ${st.capabilities.arch}` : `unavailable: ${st.reason}`}`,
  );
  let last = wctx;
  if (st.available) {
    const ses = makeSession(wctx, 'webgpu', createWebgpu);
    if (only.has('conformance')) await runConformance(ses);
    if (only.has('badinput')) await runBadInput(ses);
    last = ses.ctx;
  } else failed++;
  await last.dispose();
  save(true);
  console.log(`\n${failed ? `${failed} check(s) FAILED` : 'all checks passed'}; results in ${resultsFile}`);
  process.exit(failed ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------------
const createCuda = () => createContext({ backends: [cuda(), cpu()], validate: validateMode });
const ctx = await createCuda();
const status = ctx.status.find((s) => s.name === 'cuda');
results.cuda = status;
console.log(
  `cuda: ${status.available ? `${status.capabilities.device} ${status.capabilities.arch}` : `unavailable: ${status.reason}`}`,
);
if (!status.available) {
  failed++;
  save();
  process.exit(1);
}
const backend = ctx.get('cuda');
const rt = cudaRuntimeOf(backend);
results.device = rt.device;
try {
  results.compiler = rt.compiler.backend().id;
} catch (e) {
  results.compiler = `unavailable: ${e.message}`;
}
console.log(`compiler: ${results.compiler}; cache: ${rt.compiler.cache?.dir}`);

const f32 = (t) => new Float32Array(t.hostBytes().slice().buffer);
const devF32 = (arr) =>
  backend.fromHost(Tensor.host('f32', [arr.length], new Uint8Array(new Float32Array(arr).buffer)));

const ARGS_SRC = `
#include "status.cuh"
struct alignas(8) Pair { int a; float b; };
struct alignas(64) Map128 { unsigned long long w[16]; };
extern "C" __global__ void gk_args(double* out, int i32, unsigned u32, float f32, long long i64, double f64,
                                   unsigned long long u64, Pair p, const __grid_constant__ Map128 m) {
  if (threadIdx.x == 0 && blockIdx.x == 0) {
    out[0] = i32; out[1] = u32; out[2] = f32; out[3] = (double)i64; out[4] = f64; out[5] = (double)(u64 >> 12);
    out[6] = p.a; out[7] = p.b; out[8] = (double)m.w[0]; out[9] = (double)m.w[15];
  }
}
extern "C" __global__ void gk_scale(float* y, const float* x, float a, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = a * x[i];
}
extern "C" __global__ void gk_cluster(unsigned* out) {
  unsigned r, n;
  asm volatile("mov.u32 %0, %%cluster_ctarank;" : "=r"(r));
  asm volatile("mov.u32 %0, %%cluster_nctarank;" : "=r"(n));
  if (threadIdx.x == 0) out[blockIdx.x] = r | (n << 8);
}
extern "C" __global__ void gk_smem(float* out, int n) {
  extern __shared__ float s[];
  for (int i = threadIdx.x; i < n; i += blockDim.x) s[i] = i * 0.5f;
  __syncthreads();
  for (int i = threadIdx.x; i < n; i += blockDim.x) out[i] = s[n - 1 - i];
}
extern "C" __global__ void gk_status(const int* idx, int n, int limit, float* out, unsigned* status) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int v = idx[i];
  if (v < 0 || v >= limit) { gk_raise(status, GK_STATUS_BAD_EXPERT_ID); out[i] = -1.f; }
  else out[i] = (float)v;
}
struct alignas(64) TmaDesc { unsigned long long w[16]; };
extern "C" __global__ void gk_tma(const __grid_constant__ TmaDesc tm, float* out, int x0, int y0) {
  __shared__ alignas(128) float tile[32 * 32];
  __shared__ alignas(8) unsigned long long bar;
  unsigned b = (unsigned)__cvta_generic_to_shared(&bar);
  if (threadIdx.x == 0) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;" :: "r"(b));
    asm volatile("fence.proxy.async.shared::cta;");
    unsigned long long st;
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 %0, [%1], %2;" : "=l"(st) : "r"(b), "r"(32 * 32 * 4));
    asm volatile("cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3}], [%4];"
                 :: "r"((unsigned)__cvta_generic_to_shared(tile)), "l"(&tm), "r"(x0), "r"(y0), "r"(b) : "memory");
    asm volatile("{\\n .reg .pred p;\\n W: mbarrier.try_wait.parity.shared::cta.b64 p, [%0], 0;\\n @!p bra W;\\n}" :: "r"(b) : "memory");
  }
  __syncthreads();
  for (int i = threadIdx.x; i < 32 * 32; i += blockDim.x) out[i] = tile[i];
}
`;
const K = (name, extra = {}) => rt.getKernel({ source: ARGS_SRC, name, ...extra });

if (only.has('runtime')) {
  await check('runtime', 'device info and arch caps', (fail) => {
    const d = rt.device;
    if (!/^sm_\d+a?$/.test(d.arch)) fail(`arch ${d.arch}`);
    if (d.cc[0] === 9 && d.cc[1] === 0) expectEq(fail, 'arch on cc 9.0', d.arch, 'sm_90a');
    if (d.smCount < 1) fail('smCount');
    return {
      name: d.name,
      cc: d.cc,
      arch: d.arch,
      smCount: d.smCount,
      l2: d.l2Bytes,
      smemOptin: d.maxSharedOptin,
      mem: d.totalMemBytes,
      driver: d.driverVersion,
    };
  });

  await check('runtime', 'host↔device round trip through pinned staging (1 B .. 40 MiB)', async (fail) => {
    for (const n of [1, 4097, 3 << 20, 40 << 20]) {
      const src = new Uint8Array(n);
      for (let i = 0; i < n; i++) src[i] = (i * 2654435761) >>> 24;
      const t = backend.fromHost(Tensor.host('u8', [n], src));
      src.fill(0); // the upload captured the bytes already
      const back = (await t.toHost()).hostBytes();
      for (let i = 0; i < n; i++)
        if (back[i] !== (i * 2654435761) >>> 24) {
          fail(`size ${n}: byte ${i} differs`);
          break;
        }
      t.dispose();
    }
  });

  await check('runtime', 'caching allocator: no cuMemAlloc per op', async (fail) => {
    const before = rt.allocator.stats.deviceAllocs;
    for (let i = 0; i < 200; i++) backend.empty('f32', [1024, 257]).dispose();
    const x = devF32(Array.from({ length: 1000 }, (_, i) => i));
    const mid = rt.allocator.stats.deviceAllocs;
    for (let i = 0; i < 100; i++) {
      const y = backend.empty('f32', [1000]);
      K('gk_scale').launch({ grid: 4, block: 256, args: [y, x, { f32: 2 }, { i32: 1000 }] });
      y.dispose();
    }
    await rt.sync();
    if (rt.allocator.stats.deviceAllocs - mid > 1)
      fail(`${rt.allocator.stats.deviceAllocs - mid} cuMemAlloc calls for 100 ops`);
    x.dispose();
    return { deviceAllocs: rt.allocator.stats.deviceAllocs - before, hits: rt.allocator.stats.hits };
  });

  await check(
    'runtime',
    'JIT + launch with every argument kind (i32 u32 f32 i64 f64 u64 struct 128-B map)',
    async (fail) => {
      const k = K('gk_args');
      const out = backend.empty('i64', [10]); // read back as f64
      const pair = new Uint8Array(8);
      new DataView(pair.buffer).setInt32(0, -42, true);
      new DataView(pair.buffer).setFloat32(4, 0.75, true);
      const map = new Uint8Array(128);
      new DataView(map.buffer).setBigUint64(0, 123456789n, true);
      new DataView(map.buffer).setBigUint64(120, 987654321n, true);
      k.launch({
        grid: 1,
        block: 32,
        args: [
          out,
          { i32: -7 },
          { u32: 4000000000 },
          { f32: 1.5 },
          { i64: -(2n ** 40n) },
          { f64: 0.1 },
          { u64: 2n ** 63n },
          { bytes: pair, align: 8 },
          { bytes: map, align: 64 },
        ],
      });
      const got = new Float64Array((await out.toHost()).hostBytes().slice().buffer);
      const want = [-7, 4000000000, 1.5, -(2 ** 40), 0.1, 2 ** 51, -42, 0.75, 123456789, 987654321];
      want.forEach((w, i) => {
        if (got[i] !== w) fail(`arg ${i}: expected ${w}, got ${got[i]}`);
      });
      return { regs: k.numRegs, compiler: rt.jitStats.last };
    },
  );

  await check('runtime', 'thread-block cluster launch (cuLaunchKernelEx)', async (fail) => {
    const out = backend.empty('i32', [8]);
    K('gk_cluster').launch({ grid: 8, block: 32, cluster: [2, 1, 1], args: [out] });
    const got = new Int32Array((await out.toHost()).hostBytes().slice().buffer);
    got.forEach((v, i) => expectEq(fail, `block ${i}`, v, (i % 2) | (2 << 8)));
    let e = null;
    try {
      K('gk_cluster').launch({ grid: 7, block: 32, cluster: 2, args: [out] });
    } catch (err) {
      e = err;
    }
    if (!(e instanceof GemmkitError && e.code === 'E_RANGE'))
      fail('grid not divisible by cluster was not rejected');
  });

  await check('runtime', 'dynamic shared memory above 48 KiB', async (fail) => {
    const n = Math.floor((rt.device.maxSharedOptin - 1024) / 4);
    const out = backend.empty('f32', [n]);
    K('gk_smem').launch({ grid: 1, block: 256, sharedBytes: n * 4, args: [out, { i32: n }] });
    const got = f32(await out.toHost());
    for (let i = 0; i < n; i++)
      if (got[i] !== (n - 1 - i) * 0.5) {
        fail(`element ${i}`);
        break;
      }
    let e = null;
    try {
      K('gk_smem').launch({
        grid: 1,
        block: 256,
        sharedBytes: rt.device.maxSharedOptin + 1,
        args: [out, { i32: 1 }],
      });
    } catch (err) {
      e = err;
    }
    if (!(e instanceof GemmkitError && e.code === 'E_RANGE'))
      fail('oversized shared memory was not rejected');
    return { sharedBytes: n * 4 };
  });

  await check(
    'runtime',
    'TMA descriptor (cuTensorMapEncodeTiled) + cp.async.bulk.tensor load',
    async (fail) => {
      if (rt.device.cc[0] < 9) return { skipped: 'needs sm_90' };
      const rows = 64;
      const cols = 96;
      const host = Float32Array.from({ length: rows * cols }, (_, i) => i);
      const src = backend.fromHost(Tensor.host('f32', [rows, cols], new Uint8Array(host.buffer)));
      const tm = rt.tensorMap({ tensor: src, box: [32, 32] });
      const out = backend.empty('f32', [32 * 32]);
      K('gk_tma').launch({ grid: 1, block: 128, args: [tm, out, { i32: 32 }, { i32: 32 }] });
      const got = f32(await out.toHost());
      for (let r = 0; r < 32; r++)
        for (let c = 0; c < 32; c++)
          if (got[r * 32 + c] !== host[(32 + r) * cols + 32 + c]) {
            fail(`tile (${r},${c}) = ${got[r * 32 + c]}`);
            return;
          }
    },
  );

  await check('runtime', 'device status word: flag → E_RANGE at sync, reset, context alive', async (fail) => {
    const idx = backend.fromHost(
      Tensor.host(
        'i32',
        [256],
        new Uint8Array(Int32Array.from({ length: 256 }, (_, i) => (i === 77 ? 1000 : i % 8)).buffer),
      ),
    );
    const out = backend.empty('f32', [256]);
    K('gk_status').launch({
      grid: 1,
      block: 256,
      args: [idx, { i32: 256 }, { i32: 8 }, out, rt.status.arg('testOp')],
    });
    let e = null;
    try {
      await backend.sync();
    } catch (err) {
      e = err;
    }
    if (!(e instanceof GemmkitError && e.code === 'E_RANGE')) fail(`expected E_RANGE, got ${e}`);
    else if (!/testOp/.test(e.message) || !/bad_expert_id/.test(e.message))
      fail(`message lacks op/flag: ${e.message}`);
    await backend.sync(); // reset: no error now
    K('gk_status').launch({
      grid: 1,
      block: 256,
      args: [idx, { i32: 76 }, { i32: 8 }, out, rt.status.arg('testOp')],
    });
    await backend.sync();
    const got = f32(await out.toHost());
    expectEq(fail, 'skipped bad entry', got[77], -1);
    expectEq(fail, 'good entry', got[9], 1);
    return { message: e?.message };
  });

  await check('runtime', 'events: elapsed time', async (fail) => {
    const a = rt.createEvent();
    const b = rt.createEvent();
    const x = backend.empty('f32', [1 << 24]);
    rt.record(a);
    rt.fill(rt.tensorAddress(x), 0, x.nbytes);
    rt.record(b);
    const ms = rt.elapsedMs(a, b);
    if (!(ms > 0 && ms < 1000)) fail(`elapsed ${ms}`);
    rt.destroyEvent(a);
    rt.destroyEvent(b);
    x.dispose();
    return { memset64MiBMs: ms, GBps: (64 * 2 ** 20) / (ms * 1e6) };
  });

  const vsCpu = async (fail, op, args, tol) => {
    const host = { ...args };
    const onCuda = Object.fromEntries(
      Object.entries(args).map(([k, v]) => [k, v instanceof Tensor ? moveView(ctx, v, 'cuda') : v]),
    );
    const y = ctx.run(op, onCuda, { backend: 'cuda' });
    const ref = ctx.run(op, host, { backend: 'cpu' });
    const yh = await y.toHost();
    const d = calcDiff(yh, ref);
    if (!(d <= tol)) fail(`${op}: calcDiff ${d} > ${tol}`);
    return { calcDiff: d, maxAbs: maxAbsDiff(yh, ref) };
  };

  await check('runtime', 'cuBLASLt bmmFp16 (bf16, f16, strided B, +C) vs CPU', async (fail) => {
    const out = {};
    out.bf16 = await vsCpu(
      fail,
      'bmmFp16',
      { a: randn('bf16', [2, 96, 256], 1), b: randn('bf16', [2, 256, 80], 2), outDtype: 'bf16' },
      1e-5,
    );
    out.f16c = await vsCpu(
      fail,
      'bmmFp16',
      {
        a: randn('f16', [3, 33, 128], 3),
        b: randn('f16', [3, 128, 40], 4),
        outDtype: 'f16',
        c: randn('f16', [3, 33, 40], 5),
      },
      1e-5,
    );
    out.colB = await vsCpu(
      fail,
      'bmmFp16',
      {
        a: randn('bf16', [2, 64, 128], 6),
        b: randn('bf16', [2, 72, 128], 7).transpose(1, 2),
        outDtype: 'bf16',
      },
      1e-5,
    );
    return out;
  });

  await check('runtime', 'cuBLASLt bmmFp8 (e4m3 TN, per-tensor scales) vs CPU', async (fail) => {
    const s = (v) => Tensor.host('f32', [1], new Uint8Array(new Float32Array([v]).buffer));
    return {
      e4m3: await vsCpu(
        fail,
        'bmmFp8',
        {
          a: randn('e4m3', [2, 128, 256], 8),
          b: randn('e4m3', [2, 64, 256], 9).transpose(1, 2),
          aScale: s(0.5),
          bScale: s(0.25),
          outDtype: 'bf16',
        },
        1e-5,
      ),
      mixed: await vsCpu(
        fail,
        'bmmFp8',
        {
          a: randn('e4m3', [1, 64, 128], 10),
          b: randn('e5m2', [1, 32, 128], 11).transpose(1, 2),
          aScale: s(2),
          bScale: s(1),
          outDtype: 'f16',
        },
        1e-5,
      ),
    };
  });

  await check('runtime', 'E_OOM on a huge allocation; context stays usable', async (fail) => {
    let e = null;
    try {
      backend.empty('u8', [2 ** 44]);
    } catch (err) {
      e = err;
    }
    if (!(e instanceof GemmkitError && e.code === 'E_OOM')) fail(`expected E_OOM, got ${e}`);
    const x = devF32([1, 2, 3]);
    const y = backend.empty('f32', [3]);
    K('gk_scale').launch({ grid: 1, block: 32, args: [y, x, { f32: 3 }, { i32: 3 }] });
    const got = f32(await y.toHost());
    if (got.join() !== '3,6,9') fail(`after OOM: ${got.join()}`);
    return { message: e?.message };
  });

  await check('runtime', 'launch errors are typed (missing kernel, bad block)', async (fail) => {
    let e = null;
    try {
      rt.getKernel({ source: ARGS_SRC, name: 'no_such_kernel' });
    } catch (err) {
      e = err;
    }
    if (!(e instanceof GemmkitError && e.code === 'E_COMPILE')) fail(`missing kernel: ${e}`);
    e = null;
    try {
      K('gk_scale').launch({ grid: 1, block: 2048, args: [] });
    } catch (err) {
      e = err;
    }
    if (!(e instanceof GemmkitError && e.code === 'E_RANGE')) fail(`bad block: ${e}`);
  });
}

save();

// ---------------------------------------------------------------------------------------------------
async function timeOp(op, args, iters) {
  const onCuda = Object.fromEntries(
    Object.entries(args).map(([k, v]) => [k, v instanceof Tensor ? moveView(ctx, v, 'cuda') : v]),
  );
  const plan = contracts[op].validate(onCuda, 'fast');
  for (let i = 0; i < 3; i++) ctx.run(op, onCuda, { backend: 'cuda' }).dispose();
  await backend.sync();
  const out = ctx.run(op, onCuda, { backend: 'cuda' });
  const a = rt.createEvent();
  const b = rt.createEvent();
  rt.record(a);
  const h0 = performance.now();
  for (let i = 0; i < iters; i++) ctx.run(op, { ...onCuda, out }, { backend: 'cuda' });
  // Host time per call (validate + launch): when it exceeds the GPU time the events include idle gaps.
  const hostUs = ((performance.now() - h0) * 1000) / iters;
  rt.record(b);
  const ms = rt.elapsedMs(a, b) / iters;
  await backend.sync();
  return {
    ms,
    hostUs,
    tflops: contracts[op].flops(plan) / (ms * 1e9),
    gbps: contracts[op].bytes(plan) / (ms * 1e6),
  };
}

if (only.has('bench')) {
  const s = (v) => Tensor.host('f32', [1], new Uint8Array(new Float32Array([v]).buffer));
  const sizes = quick
    ? [[1, 4096, 4096, 4096]]
    : [
        [1, 4096, 4096, 4096],
        [16, 1024, 1024, 1024],
        [1, 16, 7168, 2048],
        [1, 128, 7168, 2048],
      ];
  for (const [bt, m, n, k] of sizes) {
    await check('bench', `bmmFp16 bf16 ${bt}x${m}x${n}x${k}`, () =>
      timeOp(
        'bmmFp16',
        {
          a: randn('bf16', [bt, m, k], 1),
          b: randn('bf16', [bt, n, k], 2).transpose(1, 2),
          outDtype: 'bf16',
        },
        10,
      ),
    );
    await check('bench', `bmmFp8 e4m3 ${bt}x${m}x${n}x${k}`, () =>
      timeOp(
        'bmmFp8',
        {
          a: randn('e4m3', [bt, m, k], 3),
          b: randn('e4m3', [bt, n, k], 4).transpose(1, 2),
          aScale: s(1),
          bScale: s(1),
          outDtype: 'bf16',
        },
        10,
      ),
    );
  }
}

save();

// ---------------------------------------------------------------------------------------------------
const runChild = (args) =>
  new Promise((resolve) => {
    const p = spawn(process.execPath, [fileURLToPath(import.meta.url), '--jit-child', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => {
      try {
        resolve({ code, ...JSON.parse(out.trim().split('\n').pop()) });
      } catch {
        resolve({ code, error: (err || out).slice(-2000) });
      }
    });
  });

if (only.has('jit')) {
  for (const compiler of ['nvrtc', 'nvcc']) {
    await check('jit', `cold compile, warm start and 4 concurrent processes (${compiler})`, async (fail) => {
      const dir = mkdtempSync(join(tmpdir(), `gk-jit-${compiler}-`));
      const cold = await runChild([dir, compiler]);
      if (cold.code !== 0 || cold.source !== 'compiled') fail(`cold: ${JSON.stringify(cold)}`);
      const warm = await runChild([dir, compiler]);
      if (warm.code !== 0 || warm.source !== 'disk') fail(`warm: ${JSON.stringify(warm)}`);
      const dir2 = mkdtempSync(join(tmpdir(), `gk-jitc-${compiler}-`));
      const conc = await Promise.all([0, 1, 2, 3].map(() => runChild([dir2, compiler])));
      conc.forEach((c, i) => {
        if (c.code !== 0) fail(`concurrent ${i}: ${JSON.stringify(c)}`);
      });
      const files = readdirSync(dir2);
      if (files.length !== 1 || !files[0].endsWith('.cubin'))
        fail(`cache dir after concurrent compiles: ${files.join(', ')}`);
      const after = await runChild([dir2, compiler]);
      if (after.source !== 'disk') fail(`after concurrent: ${JSON.stringify(after)}`);
      rmSync(dir, { recursive: true, force: true });
      rmSync(dir2, { recursive: true, force: true });
      return {
        kernel: JIT_SPEC(),
        coldMs: cold.getKernelMs,
        warmMs: warm.getKernelMs,
        runtimeCreateMs: warm.createMs,
        concurrent: conc.map((c) => c.source),
      };
    });
  }
}

save();

// ---------------------------------------------------------------------------------------------------
const ses = makeSession(ctx, 'cuda', createCuda);
if (only.has('conformance')) await runConformance(ses);
if (only.has('badinput')) await runBadInput(ses);

save();
try {
  await ses.ctx.dispose();
} catch (e) {
  console.log(`dispose: ${e?.message ?? e}`); // a context killed by a fault may not release cleanly
}
if (only.has('runtime')) {
  // A second runtime after the first was disposed: primary context retain/release balance.
  await check('runtime', 'dispose and re-create', async () => {
    const rt2 = CudaRuntime.create();
    const b = rt2.alloc(1024);
    b.dispose();
    rt2.dispose();
  });
}
save(true);
console.log(`\n${failed ? `${failed} check(s) FAILED` : 'all checks passed'}; results in ${resultsFile}`);
process.exit(failed ? 1 : 0);
