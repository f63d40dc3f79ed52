#!/usr/bin/env node
// Subgroup-matrix GEMM variants on the GPU host (Dawn on the NVIDIA Vulkan driver): for each variant of
// webgpu({ subgroupMatrix: true, sgmTile }) it checks the backend's self-test, checks bmmFp16 bit for bit
// against the f32 register-tiled webgpu path on exact data (values k/8: every product and sum is exact, so
// both paths must agree exactly, ragged edges and batches included), and times bmmFp16 f16 2048³/4096³/8192³
// and gemmFp8NtGroupwise (1x128/128x128, which stays on the f32 family) at 4096x7168x2048. The f32 family is
// timed in the same run as the baseline. Prints a variant x shape table (TFLOP/s, correctness) and writes
// JSON to --out.
//
//   GEMMKIT_WEBGPU_SGM_TILE=64x64,128x128 node sgm-experiment.mjs [--iters N] [--out file.json] [--quick]
//   (from inside .gpu-bundle/app, which has node_modules/@gemmkit/*: bench/webgpu/sgm-experiment.sh)
//
// Without subgroup-matrix support (e.g. lavapipe) it says so and exits 0.
import { writeFileSync } from 'node:fs';
import { webgpu } from '@gemmkit/backend-webgpu';
import { contracts, createContext, Tensor } from '@gemmkit/core';

const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const quick = argv.includes('--quick');
const iters = Number(opt('--iters', quick ? 3 : 10));
const outFile = opt('--out', undefined);
const variants = (process.env.GEMMKIT_WEBGPU_SGM_TILE || '16x16,64x64,128x128,128x128/2x2,64x128')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);

const CHECKS = [
  [2, 100, 200, 300],
  [1, 64, 64, 64],
  [1, 257, 129, 48],
  [1, 1024, 1024, 4096],
];
const TIMED = quick ? [2048] : [2048, 4096, 8192];
const FP8 = { M: 4096, N: 7168, K: 2048 };

let seed = 0x2545f491;
const rnd = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return seed >>> 0;
};
/** f16 bits of k/8, k in [-8, 8]: products and sums stay exact in f32 for K up to 2^18. */
const EXACT = [0, 0x3000, 0x3400, 0x3600, 0x3800, 0x3900, 0x3a00, 0x3b00, 0x3c00];
function exactF16(shape) {
  const n = shape.reduce((a, b) => a * b, 1);
  const u = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const v = rnd() % 17;
    u[i] = v >= 8 ? EXACT[v - 8] : 0x8000 | EXACT[8 - v];
  }
  return Tensor.host('f16', shape, new Uint8Array(u.buffer));
}
/** Cheap random finite values (speed does not depend on them). */
function randomHost(dtype, shape) {
  const n = shape.reduce((a, b) => a * b, 1);
  if (dtype === 'f16') {
    const u = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      const r = rnd();
      u[i] = (r & 0x8000) | ((12 + (r & 3)) << 10) | ((r >>> 8) & 0x3ff);
    }
    return Tensor.host(dtype, shape, new Uint8Array(u.buffer));
  }
  if (dtype === 'e4m3') {
    const u = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const r = rnd();
      u[i] = (r & 0x80) | ((4 + (r & 3)) << 3) | ((r >>> 8) & 7);
    }
    return Tensor.host(dtype, shape, u);
  }
  const f = new Float32Array(n);
  for (let i = 0; i < n; i++) f[i] = 0.01 + (rnd() % 1000) / 1e5;
  return Tensor.host('f32', shape, new Uint8Array(f.buffer));
}

/** A context on one webgpu backend; pipeline keys of each call are recorded (path: 'sgm|...' or f32). */
async function open(options) {
  const ctx = await createContext({ backends: [webgpu(options)], prefer: 'webgpu' });
  const be = ctx.get('webgpu');
  const keys = [];
  const cache = be.runtime?.pipelines;
  if (cache && typeof cache.get === 'function') {
    const get = cache.get;
    cache.get = function (key, ...rest) {
      keys.push(key);
      return get.call(this, key, ...rest);
    };
  }
  const profiling = be.setProfiling(true);
  return { ctx, be, keys, profiling };
}
const pathOf = (keys) => {
  const k = keys.find((x) => x.startsWith('sgm|'));
  return k ? k.split('|').slice(0, 2).join(' ') : 'f32 tiled';
};

async function runBmm(h, a, b) {
  const out = h.ctx.run('bmmFp16', { a, b, outDtype: 'f16' });
  await h.ctx.sync();
  const bytes = (await out.toHost()).hostBytes();
  out.dispose();
  return bytes;
}

/** Bit-exact bmmFp16 check of `h` against the f32 family (`ref`) on exact data. */
async function check(h, ref, [g, m, n, k]) {
  const ah = exactF16([g, m, k]);
  const bh = exactF16([g, k, n]);
  const [a1, b1, a2, b2] = [h.ctx.to(ah), h.ctx.to(bh), ref.ctx.to(ah), ref.ctx.to(bh)];
  try {
    h.keys.length = 0;
    const x = await runBmm(h, a1, b1);
    const path = pathOf(h.keys);
    const y = await runBmm(ref, a2, b2);
    const xs = new Uint16Array(x.buffer, x.byteOffset, x.byteLength / 2);
    const ys = new Uint16Array(y.buffer, y.byteOffset, y.byteLength / 2);
    let bad = 0;
    let first = -1;
    for (let i = 0; i < ys.length; i++)
      if (xs[i] !== ys[i]) {
        bad++;
        if (first < 0) first = i;
      }
    return { shape: `${g}x${m}x${n}x${k}`, ok: bad === 0, mismatches: bad, firstMismatch: first, path };
  } catch (e) {
    return { shape: `${g}x${m}x${n}x${k}`, ok: false, error: String(e?.message ?? e) };
  } finally {
    for (const t of [a1, b1, a2, b2]) t.dispose();
  }
}

async function time(h, name, op, makeArgs) {
  let args;
  try {
    args = makeArgs(h.ctx);
    const plan = contracts[op].validate(args, 'fast');
    h.keys.length = 0;
    h.ctx.run(op, args); // warm-up (compiles)
    await h.ctx.sync();
    const path = pathOf(h.keys);
    h.be.takeTimings();
    const w0 = performance.now();
    for (let i = 0; i < iters; i++) h.ctx.run(op, args);
    await h.ctx.sync();
    const wallMs = (performance.now() - w0) / iters;
    const ns = h.be
      .takeTimings()
      .filter((t) => t.label === op)
      .map((t) => t.ns)
      .sort((x, y) => x - y);
    const gpuMs = ns.length ? ns[Math.floor(ns.length / 2)] / 1e6 : null;
    const ms = gpuMs ?? wallMs;
    return { name, op, path, gpuMs, wallMs, tflops: contracts[op].flops(plan) / (ms * 1e-3) / 1e12 };
  } catch (e) {
    return { name, op, error: String(e?.message ?? e) };
  } finally {
    if (args) for (const v of Object.values(args)) if (v instanceof Tensor) v.dispose();
  }
}

const timedCases = [
  ...TIMED.map((s) => ({
    name: `f16 ${s}^3`,
    op: 'bmmFp16',
    make: (ctx) => ({
      a: ctx.to(randomHost('f16', [1, s, s])),
      b: ctx.to(randomHost('f16', [1, s, s])),
      outDtype: 'f16',
      out: ctx.empty('f16', [1, s, s]),
    }),
  })),
  {
    name: `fp8 1x128/128x128 ${FP8.M}x${FP8.N}x${FP8.K}`,
    op: 'gemmFp8NtGroupwise',
    make: (ctx) => ({
      a: ctx.to(randomHost('e4m3', [FP8.M, FP8.K])),
      b: ctx.to(randomHost('e4m3', [FP8.N, FP8.K])),
      aScale: ctx.to(randomHost('f32', [FP8.M, Math.ceil(FP8.K / 128)])),
      bScale: ctx.to(randomHost('f32', [Math.ceil(FP8.N / 128), Math.ceil(FP8.K / 128)])),
      out: ctx.empty('bf16', [FP8.M, FP8.N]),
    }),
  },
];

const report = { bench: 'webgpu-sgm-experiment', date: new Date().toISOString(), iters, variants: [] };
const write = () => outFile && writeFileSync(outFile, JSON.stringify(report, null, 2));

const ref = await open({});
report.device = ref.be.capabilities.device;
report.timing = ref.profiling ? 'timestamp-query (median)' : 'wall clock (mean)';
const probe = await open({ subgroupMatrix: true, sgmTile: variants[0] });
const pf = probe.be.capabilities.features;
report.features = pf;
await probe.ctx.dispose();
if (!pf.subgroupMatrix) {
  const why = pf.subgroupMatrixGemmError ? ` (${pf.subgroupMatrixGemmError})` : '';
  console.log(`sgm-experiment: no subgroup matrix on ${report.device}${why}: nothing to compare`);
  report.skipped = 'no subgroup matrix';
  write();
  await ref.ctx.dispose();
  process.exit(0);
}
console.log(`sgm-experiment on ${report.device}: subgroup matrix ${pf.subgroupMatrix}, iters ${iters}`);

// Baseline: the f32 register-tiled family, same run.
const base = { variant: 'f32 tiled', selfTest: true, checks: [], timings: [] };
for (const c of timedCases) {
  const r = await time(ref, c.name, c.op, c.make);
  base.timings.push(r);
  console.log(
    `  f32 tiled   ${c.name.padEnd(34)} ${r.error ?? `${r.tflops.toFixed(2)} TFLOP/s (${r.path})`}`,
  );
  write();
}
report.variants.push(base);

for (const v of variants) {
  const row = { variant: v, checks: [], timings: [] };
  report.variants.push(row);
  let h;
  try {
    h = await open({ subgroupMatrix: true, sgmTile: v });
  } catch (e) {
    row.error = String(e?.message ?? e);
    console.log(`  ${v}: backend failed: ${row.error}`);
    write();
    continue;
  }
  const f = h.be.capabilities.features;
  row.tile = f.subgroupMatrixTile ?? null;
  row.selfTest = f.subgroupMatrixGemm === true;
  if (!row.selfTest) {
    row.selfTestError = String(f.subgroupMatrixGemmError ?? 'unknown');
    console.log(`  ${v}: self-test FAILED: ${row.selfTestError}`);
    await h.ctx.dispose();
    write();
    continue;
  }
  for (const s of CHECKS) {
    const r = await check(h, ref, s);
    row.checks.push(r);
    console.log(
      `  ${v.padEnd(11)} check ${r.shape.padEnd(16)} ${r.ok ? 'exact' : `MISMATCH ${r.error ?? `${r.mismatches} (first ${r.firstMismatch})`}`} [${r.path ?? ''}]`,
    );
  }
  for (const c of timedCases) {
    const r = await time(h, c.name, c.op, c.make);
    row.timings.push(r);
    console.log(
      `  ${v.padEnd(11)} ${c.name.padEnd(34)} ${r.error ?? `${r.tflops.toFixed(2)} TFLOP/s (${r.path})`}`,
    );
    write();
  }
  await h.ctx.dispose();
  write();
}
await ref.ctx.dispose();
report.complete = true;
write();

// Table: variant x shape -> TFLOP/s, plus correctness.
const cols = timedCases.map((c) => c.name);
const cell = (r) => (!r ? '-' : r.error ? 'err' : r.tflops.toFixed(2));
console.log(
  `\n${'variant'.padEnd(16)}${'self-test'.padEnd(11)}${'checks'.padEnd(9)}${cols.map((c) => c.padEnd(36)).join('')}`,
);
for (const r of report.variants) {
  const checks =
    r.variant === 'f32 tiled' ? 'ref' : r.checks.length && r.checks.every((c) => c.ok) ? 'exact' : 'FAIL';
  console.log(
    `${r.variant.padEnd(16)}${String(r.selfTest ?? false).padEnd(11)}${checks.padEnd(9)}${cols
      .map((c) => cell(r.timings.find((t) => t.name === c)).padEnd(36))
      .join('')}`,
  );
}
