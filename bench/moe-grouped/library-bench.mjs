#!/usr/bin/env node
// Ragged-K (weight-gradient) FP8 MoE GEMM and BF16 segment GEMM, timed THROUGH THE LIBRARY: a gemmkit
// context on --backend (cuda by default) runs `raggedKMoeGemm8bit` / `segmentGemm` exactly as a user would.
// Each case: one cold call (JIT compile), one warm call to size the batch, then batches of R enqueued calls
// followed by one `await ctx.sync()`; R is chosen so a batch takes >= --batch-ms (2 ms). The median µs per
// call over the batches is reported with TFLOP/s and GB/s from the op's contract (flops/bytes of its plan).
//
//   node library-bench.mjs [--backend cuda|cpu] [--tiny] [--out file.json] [--budget-s 125]
// On the GPU host bench/moe-grouped/run-extra.sh copies this into .gpu-bundle/app (so `@gemmkit/*` resolve)
// and feeds its JSON to peer_extra.py (torch peers on the exact same group sizes).
//
// The timed context validates with 'fast': 'full' reads the device-resident counts back synchronously on
// every call, which would serialize the batch. Inputs are a seeded random pool tiled over each operand
// (building hundreds of MB of random values in JS would dominate the run; kernel speed ignores the values).
import { writeFileSync } from 'node:fs';
import { contracts, createContext, dtypeBytes, Random, randomTensor, Tensor } from '@gemmkit/core';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const backendName = opt('backend', 'cuda');
const tiny = argv.includes('--tiny');
const outFile = opt('out', undefined);
const budgetMs = Number(opt('budget-s', 125)) * 1e3;
const batchMs = Number(opt('batch-ms', 2));
// Timed time per case after sizing; at least MIN_BATCHES batches always run.
const caseMs = Number(opt('case-ms', tiny ? 50 : 1200));
const MIN_BATCHES = 3;
const MAX_BATCHES = tiny ? 5 : 15;
const T0 = performance.now();

async function backendFactory(name) {
  if (name === 'cuda') return (await import('@gemmkit/backend-cuda')).cuda();
  if (name === 'cpu') return (await import('@gemmkit/backend-cpu')).cpu();
  if (name === 'webgpu') return (await import('@gemmkit/backend-webgpu')).webgpu();
  throw new Error(`--backend ${name}: expected cuda, cpu or webgpu`);
}

// ---------------------------------------------------------------- inputs

// A prime pool length so the tiled pattern does not line up with rows of power-of-two widths.
const POOL = 1_000_003;

/** Host tensor of `shape`: a seeded random pool of `opts` values, tiled. */
function tiled(dtype, shape, seed, opts = {}) {
  const n = shape.reduce((a, b) => a * b, 1);
  const pool = randomTensor(dtype, [Math.min(n, POOL)], { seed, ...opts }).hostBytes();
  const buf = new Uint8Array(n * dtypeBytes(dtype));
  for (let o = 0; o < buf.length; o += pool.length)
    buf.set(buf.length - o >= pool.length ? pool : pool.subarray(0, buf.length - o), o);
  return Tensor.host(dtype, shape, buf);
}

const hostInts = (dtype, values) =>
  Tensor.host(
    dtype,
    [values.length],
    new Uint8Array(
      dtype === 'i64' ? BigInt64Array.from(values, BigInt).buffer : Int32Array.from(values).buffer,
    ),
  );

/** `g` sizes drawn uniformly in [0.5, 1.5)·mean, rounded to `q` (at least q), from a seeded generator. */
function uneven(g, mean, q, seed) {
  const rng = new Random(seed);
  return Array.from({ length: g }, () => Math.max(q, Math.round((mean * (0.5 + rng.uniform())) / q) * q));
}

// ---------------------------------------------------------------- cases

/** Ragged-K: A [ΣK, M] M-major, B [ΣK, N] N-major (contract defaults), out [G, M, N] f32 accumulated. */
function raggedKCase(name, g, m, n, counts) {
  const kTotal = counts.reduce((a, b) => a + b, 0);
  const kb = Math.ceil(kTotal / 128);
  return {
    op: 'raggedKMoeGemm8bit',
    layout: 'ragged-K (wgrad)',
    name,
    shape: { M: m, N: n, K: kTotal, G: g, groupK: counts },
    config: { dtype: 'e4m3', majorA: 'M', majorB: 'N', scaleGranularityMnk: [1, 1, 128], out: 'f32 +=' },
    build: (seed) => ({
      a: tiled('e4m3', [kTotal, m], seed + 1),
      aScale: tiled('f32', [kb, m], seed + 2, { dist: 'uniform', low: 0.25, high: 2 }),
      b: tiled('e4m3', [kTotal, n], seed + 3),
      bScale: tiled('f32', [kb, n], seed + 4, { dist: 'uniform', low: 0.25, high: 2 }),
      raggedTokensInfo: hostInts('i32', counts),
      // Zeros: the op accumulates, so the output must start finite (and stays so: each call adds the same).
      out: Tensor.host('f32', [g, m, n]),
    }),
    // One non-empty expert and (if any) one empty expert, checked after timing.
    checks: (args) => {
      const nonEmpty = counts.findIndex((c) => c > 0);
      const empty = counts.indexOf(0);
      const views = [];
      if (nonEmpty >= 0) views.push([`out[${nonEmpty}]`, args.out.narrow(0, nonEmpty, 1), 'finite']);
      if (empty >= 0) views.push([`out[${empty}] (empty expert)`, args.out.narrow(0, empty, 1), 'zero']);
      return views;
    },
  };
}

/** Segment GEMM BF16: x [ΣM, K], weights [G, K, N] (or [G, N, K] column-major), identity weightIndices. */
function segmentCase(name, g, n, k, rows, columnMajor = false) {
  const total = rows.reduce((a, b) => a + b, 0);
  return {
    op: 'segmentGemm',
    layout: 'segment',
    name,
    shape: { M: total, N: n, K: k, G: g, groupRows: rows },
    config: { dtype: 'bf16', weightColumnMajor: columnMajor, index: 'segLens i64, weightIndices i64' },
    build: (seed) => ({
      x: tiled('bf16', [total, k], seed + 1),
      weights: tiled('bf16', columnMajor ? [g, n, k] : [g, k, n], seed + 2),
      batchSize: g,
      weightColumnMajor: columnMajor,
      segLens: hostInts('i64', rows),
      weightIndices: hostInts(
        'i64',
        rows.map((_, i) => i),
      ),
      out: Tensor.host('bf16', [total, n]),
    }),
    // The last segment's rows (the whole output can be ~0.5 GB).
    checks: (args) => [
      [
        `out rows [${total - rows[g - 1]}, ${total})`,
        args.out.narrow(0, total - rows[g - 1], rows[g - 1]),
        'finite',
      ],
    ],
  };
}

function cases() {
  const list = [];
  if (tiny) {
    // Smoke sizes (cpu backend): same code paths, shapes small enough for the float64 reference kernels.
    list.push(raggedKCase('ragged-K tiny G3', 3, 24, 40, uneven(3, 256, 128, 11)));
    list.push(raggedKCase('ragged-K tiny G3 one empty', 3, 16, 32, [128, 0, 256]));
    list.push(segmentCase('segment tiny G3', 3, 40, 64, uneven(3, 8, 1, 12)));
    list.push(segmentCase('segment tiny G3 col-major', 3, 40, 64, uneven(3, 8, 1, 13), true));
    return list;
  }
  // DeepSeek-V3 expert weight gradients [M, N]: fused gate+up proj (2 x 2048 out, 7168 in) and down proj.
  const wShapes = [
    [4096, 7168],
    [7168, 2048],
  ];
  // 256 experts over 16-way (16 per rank) and 32-way (8 per rank) expert parallelism.
  for (const g of [16, 8])
    for (const mean of [1024, 4096])
      for (const [m, n] of wShapes)
        list.push(
          raggedKCase(
            `ragged-K G${g} meanK${mean} M${m} N${n}`,
            g,
            m,
            n,
            uneven(g, mean, 128, 1000 + g * 7 + mean),
          ),
        );
  const withEmpty = uneven(16, 1024, 128, 77);
  withEmpty[5] = 0;
  list.push(raggedKCase('ragged-K G16 meanK1024 M4096 N7168 one empty', 16, 4096, 7168, withEmpty));
  // Segment rows are multiples of 16 (uneven all the same): MoE dispatch pads groups like that, and the torch
  // grouped-GEMM peer wants 16-row-aligned offsets.
  const nk = [
    [4096, 7168],
    [7168, 2048],
  ];
  for (const g of [8, 16])
    for (const mean of [512, 2048])
      for (const [n, k] of nk)
        list.push(
          segmentCase(
            `segment G${g} meanM${mean} N${n} K${k}`,
            g,
            n,
            k,
            uneven(g, mean, 16, 2000 + g * 7 + mean),
          ),
        );
  list.push(
    segmentCase(
      'segment G8 meanM2048 N4096 K7168 col-major',
      8,
      4096,
      7168,
      uneven(8, 2048, 16, 2000 + 56 + 2048),
      true,
    ),
  );
  return list;
}

// ---------------------------------------------------------------- run

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

/** Count NaN/inf (and, for 'zero', non-zero) values of a device view copied to the host. */
async function inspect(view, want) {
  const v = (await view.toHost()).toFloat32Array();
  let bad = 0;
  let nonZero = 0;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) bad++;
    else if (v[i] !== 0) nonZero++;
  }
  return {
    elements: v.length,
    nonFinite: bad,
    nonZero,
    pass: bad === 0 && (want !== 'zero' || nonZero === 0),
  };
}

/** The kernel family the backend runs (the CUDA ones are the portable mma.sync kernels, not sm90 wgmma). */
/** The kernel family the CUDA backend picks for these (aligned, Hopper-size) cases on this device. */
function kernelName(op) {
  if (backendName !== 'cuda') return `${backendName} ${op}`;
  const hopper = caps.arch === 'sm_90a' && process.env.GEMMKIT_CUDA_SM90 !== '0';
  if (op === 'segmentGemm')
    return hopper
      ? `sm90 segment_gemm_sm90 (TMA + wgmma bf16, weights ${process.env.GEMMKIT_SM90_SEGMENT_B ?? 'native'})`
      : 'portable gemm_half (bf16 mma)';
  return hopper
    ? 'sm90 fp8_grouped_gemm_sm90 MODE 3 (TMA + wgmma fp8, per-column B scales; transpose pre-pass for M/N-major)'
    : 'portable gemm_moe (fp8 mma, 1x128 promote)';
}

if (argv.includes('--list')) {
  // The case list with its operand sizes, without touching a backend.
  for (const c of cases()) {
    const host = c.build(1);
    const mb = Object.values(host)
      .filter((v) => v instanceof Tensor)
      .reduce((s, t) => s + t.nbytes, 0);
    const plan = contracts[c.op].validate(host, 'full');
    console.log(
      `${c.name}: ${(mb / 2 ** 20).toFixed(0)} MiB, ${(contracts[c.op].flops(plan) / 1e12).toFixed(3)} TFLOP`,
    );
  }
  process.exit(0);
}

const ctx = await createContext({ backends: [await backendFactory(backendName)], validate: 'fast' });
const st = ctx.status.find((s) => s.name === backendName);
if (!st?.available) {
  console.error(`library-bench: backend ${backendName} unavailable: ${st?.reason ?? 'not registered'}`);
  process.exit(2);
}
const caps = ctx.get(backendName).capabilities;
console.log(`library-bench: ${backendName} on ${caps.device ?? '?'} (${caps.arch ?? '?'}), tiny=${tiny}`);

const results = [];
let failed = 0;
const report = () => ({
  suite: 'moe-extra-library',
  backend: backendName,
  device: caps.device,
  arch: caps.arch,
  features: caps.features,
  validate: 'fast',
  timing: `batches of R enqueued calls + one ctx.sync(), R so a batch >= ${batchMs} ms; median us per call`,
  date: new Date().toISOString(),
  tiny,
  results,
});
// Rewritten after every case: a run killed by its timeout still leaves the cases it finished.
const save = () => outFile && writeFileSync(outFile, `${JSON.stringify(report(), null, 2)}\n`);
const all = cases();
for (const [i, c] of all.entries()) {
  if (performance.now() - T0 > budgetMs) {
    console.log(`SKIP ${c.name}: past the ${budgetMs / 1e3} s budget`);
    results.push({ op: c.op, case: c.name, shape: c.shape, skipped: 'time budget' });
    continue;
  }
  const row = {
    op: c.op,
    backend: backendName,
    layout: c.layout,
    case: c.name,
    shape: c.shape,
    config: c.config,
  };
  let dargs;
  try {
    const tb = performance.now();
    let host = c.build(0x5eed + i * 101);
    // FLOPs/bytes from the contract's plan of the host args ('full': counts are read, empty experts excluded).
    const contract = contracts[c.op];
    const plan = contract.validate(host, 'full');
    const flops = contract.flops(plan);
    const bytes = contract.bytes(plan);
    // Filled one by one so a failed upload (out of memory) still frees what made it to the device.
    dargs = {};
    for (const [k, v] of Object.entries(host)) dargs[k] = v instanceof Tensor ? ctx.to(v, backendName) : v;
    await ctx.sync();
    if (backendName !== 'cpu') host = null; // the host copies (up to ~2.5 GB) can go
    row.setupMs = Math.round(performance.now() - tb);
    const call = () => ctx.run(c.op, dargs, { backend: backendName });
    let t = performance.now();
    call();
    await ctx.sync();
    row.coldMs = +(performance.now() - t).toFixed(2);
    t = performance.now();
    call();
    await ctx.sync();
    const est = performance.now() - t;
    const R = Math.max(1, Math.ceil(batchMs / Math.max(est, 1e-3)));
    const samples = [];
    let spent = 0;
    while (samples.length < MIN_BATCHES || (samples.length < MAX_BATCHES && spent < caseMs)) {
      t = performance.now();
      for (let r = 0; r < R; r++) call();
      await ctx.sync();
      const dt = performance.now() - t;
      spent += dt;
      samples.push((dt * 1e3) / R);
    }
    const us = median(samples);
    Object.assign(row, {
      kernel: kernelName(c.op),
      median_us: +us.toFixed(2),
      min_us: +Math.min(...samples).toFixed(2),
      callsPerBatch: R,
      batches: samples.length,
      flops,
      bytes,
      tflops: +(flops / us / 1e6).toPrecision(4),
      gbps: +(bytes / us / 1e3).toPrecision(4),
    });
    row.checks = [];
    for (const [what, view, want] of c.checks(dargs))
      row.checks.push({ what, ...(await inspect(view, want)) });
    row.pass = row.checks.every((x) => x.pass);
    if (!row.pass) failed++;
    console.log(
      `${row.pass ? 'ok  ' : 'FAIL'} ${c.name}: ${row.median_us} us/call (R=${R} x ${samples.length}), ` +
        `${row.tflops} TFLOP/s, ${row.gbps} GB/s, cold ${row.coldMs} ms` +
        (row.pass ? '' : ` checks ${JSON.stringify(row.checks)}`),
    );
  } catch (e) {
    failed++;
    row.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    console.log(`ERR  ${c.name}: ${row.error}`);
  } finally {
    if (dargs)
      for (const v of Object.values(dargs)) if (v instanceof Tensor && v.device !== 'host') v.dispose();
  }
  results.push(row);
  save();
}

save();
await ctx.dispose();
console.log(
  `library-bench: ${results.length} cases, ${failed} failed, ${((performance.now() - T0) / 1e3).toFixed(1)} s`,
);
process.exit(failed ? 1 : 0);
