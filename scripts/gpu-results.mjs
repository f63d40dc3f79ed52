#!/usr/bin/env node
// Turn the gpu-tier JSON fetched back from the GPU host into result files (docs: BENCH_RESULTS.md):
//   bench/results/<gpu>-conformance-cuda-<date>.json     gpu-tier.json (+ gpu-tier-sanitize.json, launch JSON)
//   bench/results/<gpu>-conformance-webgpu-<date>.json   gpu-tier-webgpu.json
// Header: suite, gpu, driver, cuda, commit, date; `results`: one row per conformance case
// { op, backend, kind: 'conformance', case, pass, diff, maxAbs } and per bad-input case
// { op, backend, kind: 'badinput', case, code, arg, pass, contextAlive }; then the runtime / jit / bench
// sections summarized (cold/warm compile ms, host µs per launch, sanitizer verdict, contextAlive counts).
//
//   node scripts/gpu-results.mjs <fetched-dir> [--out-dir bench/results] [--dry-run]
//
// <gpu> is h100 / h200 (from the GPU name), <date> the UTC day the run started.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flag = (n) => argv.includes(`--${n}`);
const optv = (n, d) => {
  const i = argv.indexOf(`--${n}`);
  return i >= 0 ? argv[i + 1] : d;
};
const dir = argv.find((a, i) => !a.startsWith('--') && argv[i - 1] !== '--out-dir');
if (!dir || !existsSync(dir)) {
  console.error('usage: node scripts/gpu-results.mjs <fetched-dir> [--out-dir bench/results] [--dry-run]');
  process.exit(2);
}
const outDir = resolve(optv('out-dir', join(repo, 'bench', 'results')));

// ---- inputs: classify every JSON in the fetched dir (and one level below) by its content -------------
const files = [];
for (const f of readdirSync(dir, { withFileTypes: true })) {
  if (f.isFile() && f.name.endsWith('.json')) files.push(join(dir, f.name));
  else if (f.isDirectory())
    for (const g of readdirSync(join(dir, f.name))) if (g.endsWith('.json')) files.push(join(dir, f.name, g));
}
const runs = { cuda: null, sanitize: null, webgpu: null };
const launch = [];
const launchBreakdown = [];
for (const f of files) {
  let j;
  try {
    j = JSON.parse(readFileSync(f, 'utf8'));
  } catch {
    continue;
  }
  if (j?.suite === 'launch-overhead' && Array.isArray(j.rows)) launch.push({ file: f, doc: j });
  // packages/backend-cuda/bench/launch-overhead.mjs --real --json: a second loop, plus the fixed costs.
  if (j?.suite === 'launch-overhead-js' && j.driver === 'real' && Array.isArray(j.rows))
    launchBreakdown.push({ file: f, doc: j });
  if (!j?.sections) continue;
  const backend = j.backend ?? (j.webgpu ? 'webgpu' : 'cuda');
  const key = j.sanitizer ? 'sanitize' : backend === 'webgpu' ? 'webgpu' : 'cuda';
  // Two runs of one kind: keep the later one.
  if (!runs[key] || String(j.startedAt) > String(runs[key].doc.startedAt)) runs[key] = { file: f, doc: j };
}
if (!runs.cuda && !runs.sanitize && !runs.webgpu && !files.some((f) => f.endsWith('/webgpu-gemm.json'))) {
  console.error(`gpu-results: no gpu-tier JSON (nor webgpu-gemm.json) under ${dir}`);
  process.exit(1);
}

// ---- header ---------------------------------------------------------------------------------------
const hostTxt = existsSync(join(dir, 'host.txt')) ? readFileSync(join(dir, 'host.txt'), 'utf8') : '';

/** GPU name and NVIDIA driver: the runner's nvidia-smi query, else host.txt's csv line, else the device. */
function gpuAndDriver(doc) {
  for (const d of [doc, ...Object.values(runs).map((r) => r?.doc)])
    if (d?.host?.gpu) return { gpu: d.host.gpu, driver: d.host.driver ?? null };
  const line = hostTxt.split('\n').find((l) => /^NVIDIA|^Tesla|, \d+\.\d+/.test(l) && !/^name,/.test(l));
  if (line) {
    const [gpu, driver] = line.split(',').map((x) => x.trim());
    return { gpu, driver };
  }
  const name = doc?.device?.name ?? cudaDoc?.device?.name ?? doc?.webgpu?.capabilities?.device ?? null;
  return { gpu: name, driver: null };
}

/** cuDriverGetVersion's integer (13000) as "13.0". */
const cudaVersion = (v) =>
  Number.isFinite(v) && v > 0 ? `${Math.floor(v / 1000)}.${Math.floor((v % 1000) / 10)}` : null;

function gpuKey(name) {
  const m = /\b([ABHLV]\d{2,3}|GH200|GB\d{3}|B\d{3})\b/i.exec(name ?? '');
  if (m) return m[1].toLowerCase();
  const slug = String(name ?? '')
    .toLowerCase()
    .replace(/nvidia|geforce/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return slug || 'gpu';
}

function localHead() {
  try {
    return execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return null;
  }
}

const anyRun = runs.cuda ?? runs.sanitize ?? runs.webgpu;
const cudaDoc = (runs.cuda ?? runs.sanitize)?.doc;

function header(suite, doc) {
  const { gpu, driver } = gpuAndDriver(doc ?? anyRun.doc);
  const commit = doc?.commit ?? anyRun.doc.commit ?? null;
  return {
    suite,
    gpu,
    driver,
    cuda: cudaVersion(cudaDoc?.device?.driverVersion),
    commit: commit ?? localHead(),
    // A bundle without a commit file: the local HEAD at conversion time stands in, flagged as such.
    ...(commit
      ? {}
      : {
          commitSource: 'local HEAD when gpu-results ran (the bundle recorded none)',
        }),
    date: String(doc?.startedAt ?? anyRun.doc.startedAt).slice(0, 10),
    node: doc?.node ?? null,
  };
}

// ---- rows -----------------------------------------------------------------------------------------
const checks = (doc, section) => doc?.sections?.[section] ?? [];

function conformanceRows(doc, backend) {
  return checks(doc, 'conformance').map((c) => {
    const d = c.details ?? {};
    const [op, ...rest] = c.name.split(': ');
    const metrics = Object.values(d.metrics ?? (d.op ? {} : d));
    const worst = (k) =>
      metrics.length ? metrics.reduce((m, x) => Math.max(m, Number(x?.[k] ?? Number.NaN)), -1) : null;
    const row = {
      op: d.op ?? op,
      backend,
      kind: 'conformance',
      case: d.case ?? rest.join(': '),
      pass: c.ok,
      diff: worst('calcDiff'),
      maxAbs: worst('maxAbs'),
    };
    if (Number.isNaN(row.diff)) row.diff = null;
    if (Number.isNaN(row.maxAbs)) row.maxAbs = null;
    if (!c.ok) row.failures = c.failures.slice(0, 3).map((f) => String(f).slice(0, 400));
    return row;
  });
}

// Bad-input checks are named "<op> rejects <case> with <CODE>" (sections 'badinput', or 'bad-input' in
// runs before the split).
const BAD_NAME = /^(\S+) rejects (.*) with (E_[A-Z_]+)$/;
function badInputRows(doc, backend) {
  return [...checks(doc, 'badinput'), ...checks(doc, 'bad-input')].map((c) => {
    const d = c.details ?? {};
    const m = BAD_NAME.exec(c.name) ?? [];
    const row = {
      op: d.op ?? m[1] ?? c.name,
      backend,
      kind: 'badinput',
      case: d.case ?? m[2] ?? c.name,
      code: d.code ?? m[3] ?? null,
      arg: d.arg ?? null,
      pass: c.ok,
      diff: null,
      contextAlive: d.contextAlive ?? null,
    };
    if (d.probeMs !== undefined) row.probeMs = d.probeMs;
    if (!c.ok) row.failures = c.failures.slice(0, 3).map((f) => String(f).slice(0, 400));
    return row;
  });
}

const rowKey = (r) => `${r.op}\u0000${r.case}\u0000${r.code}`;

function summarize(rows) {
  const s = { cases: rows.length, pass: 0, fail: 0 };
  for (const r of rows) s[r.pass ? 'pass' : 'fail']++;
  const alive = rows.filter((r) => r.contextAlive !== undefined);
  if (alive.length) {
    s.contextAlive = alive.filter((r) => r.contextAlive === true).length;
    s.contextDead = alive.filter((r) => r.contextAlive === false).length;
    s.contextUnknown = alive.filter((r) => r.contextAlive === null).length;
  }
  return s;
}

function runInfo(run) {
  if (!run) return null;
  const d = run.doc;
  return {
    file: run.file.split('/').pop(),
    startedAt: d.startedAt,
    finishedAt: d.finishedAt,
    complete: d.complete ?? null,
    failedChecks: d.failed,
    notRun: d.notRun?.length ?? 0,
    only: d.only ?? null,
    validate: d.validate ?? 'full',
  };
}

const round = (v, d = 2) => (Number.isFinite(v) ? Math.round(v * 10 ** d) / 10 ** d : null);

// ---- runtime / jit / bench summaries (cuda) -------------------------------------------------------
function runtimeSummary(doc) {
  const c = checks(doc, 'runtime');
  if (!c.length) return null;
  const info = c.find((x) => x.name.startsWith('device info'))?.details ?? null;
  const events = c.find((x) => x.name.startsWith('events'))?.details;
  return {
    checks: c.length,
    pass: c.filter((x) => x.ok).length,
    failed: c.filter((x) => !x.ok).map((x) => ({ name: x.name, failures: x.failures.slice(0, 3) })),
    device: info,
    compiler: doc.compiler ?? null,
    memsetGBps: round(events?.GBps, 1),
  };
}

function jitSummary(doc) {
  const c = checks(doc, 'jit');
  if (!c.length) return null;
  return c.map((x) => ({
    compiler: /\((\w+)\)$/.exec(x.name)?.[1] ?? x.name,
    pass: x.ok,
    kernel: x.details?.kernel ?? null,
    coldCompileMs: round(x.details?.coldMs, 1),
    warmLoadMs: round(x.details?.warmMs, 1),
    runtimeCreateMs: round(x.details?.runtimeCreateMs, 1),
    concurrent: x.details?.concurrent ?? null,
    ...(x.ok ? {} : { failures: x.failures.slice(0, 3) }),
  }));
}

function benchSummary(doc) {
  const c = checks(doc, 'bench');
  if (!c.length) return null;
  return c.map((x) => ({
    name: x.name,
    pass: x.ok,
    gpu_us: round((x.details?.ms ?? Number.NaN) * 1000, 1),
    hostUsPerLaunch: round(x.details?.hostUs, 2),
    tflops: round(x.details?.tflops, 1),
    gbps: round(x.details?.gbps, 1),
  }));
}

/**
 * Launch-µs rows of several files: `pick(row)` gives the figures of one row (the two scripts name them
 * differently); every row also says which file, op, workload and mode it came from.
 */
function launchRows(sources, pick) {
  if (!sources.length) return null;
  return sources.flatMap(({ file, doc }) =>
    doc.rows.map((r) => ({
      file: file.split('/').pop(),
      op: r.op,
      workload: r.workload,
      validate: r.validate,
      out: r.out,
      ...pick(r),
    })),
  );
}

/** scripts/gpu-tier-launch.mjs: median wall and CPU µs per call. */
const launchSummary = () =>
  launchRows(launch, (r) => ({ hostUsPerLaunch: round(r.hostUs, 2), cpuUsPerLaunch: round(r.cpuUs, 2) }));

/** launch-overhead.mjs --real: per-op medians (wall, min, CPU) and the fixed costs (op 'fixed'). */
const launchBreakdownSummary = () =>
  launchRows(launchBreakdown, (r) => ({
    hostUsPerLaunch: round(r.medianUs, 2),
    minUs: round(r.minUs, 2),
    cpuUsPerLaunch: round(r.cpuMedianUs, 2),
  }));

// ---- write ----------------------------------------------------------------------------------------
const written = [];
function emit(suite, doc) {
  const h = header(suite, doc.headerFrom);
  const name = `${gpuKey(h.gpu)}-${suite}-${h.date}.json`;
  const body = { ...h, ...doc.extra, results: doc.rows };
  if (!flag('dry-run')) {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, name), `${JSON.stringify(body, null, 1)}\n`);
  }
  const incomplete = Object.values(doc.extra.runs ?? {}).filter(
    (r) => r && (r.complete === false || r.notRun > 0),
  );
  written.push({ name, summary: doc.extra.summary, incomplete });
}

// A run whose backend was unavailable checked nothing: it makes no result file (said so below).
const skipped = [];
for (const [key, st] of [
  ['cuda', runs.cuda?.doc.cuda],
  ['sanitize', runs.sanitize?.doc.cuda],
  ['webgpu', runs.webgpu?.doc.webgpu],
])
  if (runs[key] && st && st.available === false) {
    skipped.push(`${runs[key].file}: backend unavailable (${String(st.reason).slice(0, 200)})`);
    runs[key] = null;
  }

if (runs.cuda || runs.sanitize) {
  const main = runs.cuda?.doc;
  const san = runs.sanitize?.doc;
  const conf = conformanceRows(main, 'cuda');
  let bad = badInputRows(main, 'cuda');
  const sanRows = badInputRows(san, 'cuda');
  if (!bad.length) bad = sanRows.map((r) => ({ ...r, sanitized: true }));
  else if (sanRows.length) {
    // The same cases under memcheck: attach their outcome to the main run's rows.
    const byKey = new Map(sanRows.map((r) => [rowKey(r), r]));
    bad = bad.map((r) => {
      const s = byKey.get(rowKey(r));
      return s ? { ...r, sanitized: { pass: s.pass, contextAlive: s.contextAlive } } : r;
    });
  }
  emit('conformance-cuda', {
    headerFrom: main ?? san,
    rows: [...conf, ...bad],
    extra: {
      device: (main ?? san)?.device
        ? {
            name: (main ?? san).device.name,
            arch: (main ?? san).device.arch,
            cc: (main ?? san).device.cc,
            smCount: (main ?? san).device.smCount,
            memBytes: (main ?? san).device.totalMemBytes,
          }
        : null,
      compiler: (main ?? san)?.compiler ?? null,
      summary: {
        conformance: summarize(conf),
        badinput: summarize(bad),
        opsWithoutCases: main?.opsWithoutCases ?? [],
        livenessProbe: main?.badinputSummary?.probe ?? san?.badinputSummary?.probe ?? null,
        // Cases after which the context was dead and had to be re-created (blame: that case).
        contextRecoveries: main?.contextRecoveries ?? null,
        sanitizer: san?.sanitizer
          ? {
              tool: san.sanitizer.tool,
              version: san.sanitizer.version,
              verdict: san.sanitizer.verdict,
              errors: san.sanitizer.errors,
              apiErrorReports: san.sanitizer.apiErrorReports ?? null,
              kernelErrorReports: san.sanitizer.kernelErrorReports ?? null,
              exitCode: san.sanitizer.exitCode,
              badinputCases: summarize(sanRows),
              // --validate=fast: cases the kernels flagged at sync / that ran with a host-only check skipped
              validate: san.validate ?? 'full',
              deviceFlagged: san.badinputSummary?.deviceFlagged ?? 0,
              acceptedUnchecked: san.badinputSummary?.acceptedUnchecked ?? 0,
              contextRecoveries: san.contextRecoveries ?? null,
              firstErrors: san.sanitizer.firstErrors,
            }
          : null,
      },
      runtime: runtimeSummary(main),
      jit: jitSummary(main),
      bench: benchSummary(main),
      launch: launchSummary(),
      launchBreakdown: launchBreakdownSummary(),
      runs: { main: runInfo(runs.cuda), sanitized: runInfo(runs.sanitize) },
    },
  });
}

if (runs.webgpu) {
  const w = runs.webgpu.doc;
  const conf = conformanceRows(w, 'webgpu');
  const bad = badInputRows(w, 'webgpu');
  const caps = w.webgpu?.capabilities ?? {};
  emit('conformance-webgpu', {
    headerFrom: w,
    rows: [...conf, ...bad],
    extra: {
      adapter: w.webgpu
        ? {
            available: w.webgpu.available,
            device: caps.device ?? null,
            arch: caps.arch ?? null,
            features: caps.features ?? null,
            reason: w.webgpu.reason ?? null,
          }
        : null,
      summary: {
        conformance: summarize(conf),
        badinput: summarize(bad),
        opsWithoutCases: w.opsWithoutCases ?? [],
        livenessProbe: w.badinputSummary?.probe ?? null,
        contextRecoveries: w.contextRecoveries ?? null,
      },
      runs: { main: runInfo(runs.webgpu) },
    },
  });
}

// bench/webgpu/run.sh's merged report is already in the results format: file it under its name.
const gemm = files.find((f) => f.endsWith('/webgpu-gemm.json'));
if (gemm) {
  const doc = JSON.parse(readFileSync(gemm, 'utf8'));
  if (doc.suite === 'webgpu-gemm' && Array.isArray(doc.results)) {
    if (!doc.commit) {
      doc.commit = anyRun?.doc.commit ?? localHead();
      doc.commitSource = 'gpu-tier run / local HEAD (the bench recorded none)';
    }
    const name = `${gpuKey(doc.gpu ?? gpuAndDriver(anyRun?.doc).gpu)}-webgpu-gemm-${doc.date}.json`;
    if (!flag('dry-run')) {
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, name), `${JSON.stringify(doc, null, 1)}\n`);
    }
    const ok = doc.results.filter((r) => !r.error);
    const ratios = ok.map((r) => r.ratio).filter(Number.isFinite);
    console.log(
      `${flag('dry-run') ? '(dry run) ' : ''}${join(outDir, name)}\n   ${ok.length}/${doc.results.length} shapes timed; ` +
        `ratio vs cuBLAS ${ratios.length ? `${Math.min(...ratios)}..${Math.max(...ratios)}` : 'n/a'}`,
    );
  }
}

// gpu-tier-moe.mjs: the fused MoE layer at Hopper size vs float64 and the cpu backend (issue 6's layer test).
const moe = files.find((f) => f.endsWith('/moe-layer.json'));
if (moe && anyRun) {
  const doc = JSON.parse(readFileSync(moe, 'utf8'));
  if (doc.suite === 'fused-moe' && Array.isArray(doc.rows)) {
    const h = header('fused-moe', anyRun.doc);
    const name = `${gpuKey(h.gpu)}-fused-moe-${h.date}.json`;
    const body = { ...h, backend: doc.backend, ranAt: doc.date, results: doc.rows };
    if (!flag('dry-run')) {
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, name), `${JSON.stringify(body, null, 1)}\n`);
    }
    const pass = doc.rows.filter((r) => r.pass).length;
    console.log(
      `${flag('dry-run') ? '(dry run) ' : ''}${join(outDir, name)}\n   ${pass}/${doc.rows.length} checks pass`,
    );
  }
}

for (const s of skipped) console.log(`skipped ${s}`);
for (const { name, summary, incomplete } of written) {
  const c = summary.conformance;
  const b = summary.badinput;
  const san = summary.sanitizer
    ? `; sanitizer ${summary.sanitizer.verdict} (${summary.sanitizer.errors} errors)`
    : '';
  console.log(
    `${flag('dry-run') ? '(dry run) ' : ''}${join(outDir, name)}\n   conformance ${c.pass}/${c.cases}; bad-input ${b.pass}/${b.cases}` +
      `${b.contextDead !== undefined ? `; context alive/dead/unknown after a case ${b.contextAlive}/${b.contextDead}/${b.contextUnknown}` : ''}${san}`,
  );
  for (const r of incomplete)
    console.log(`   WARNING: ${r.file} is incomplete (complete: ${r.complete}, ${r.notRun} checks not run)`);
}
