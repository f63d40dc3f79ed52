#!/usr/bin/env node
// WebGPU GEMM benchmark (run on the GPU host): square f16 GEMMs 1024..8192, DeepGEMM-shaped f16 and
// FP8-emulated block-scaled GEMMs, grouped MoE (contiguous and masked). GPU time comes from timestamp
// queries (Dawn with timestamp quantization off); the median of `--iters` runs is reported as JSON.
// Each row carries its shape {M, N, K, G} and the GEMM path its pipelines took ('f16 subgroup-matrix' when
// a pipeline key starts with the subgroup-matrix prefix, else 'f32 tiled'), read from the pipeline cache.
//
//   pnpm --filter @gemmkit/backend-webgpu... build && node packages/backend-webgpu/bench/webgpu-gemm.mjs [--quick] [--iters N] [--out file.json]
//   (on the GPU host: bench/webgpu/run.sh runs it from the bundle and adds the cuBLAS peer)
//
// Data is random but cheap to make (bit patterns drawn directly): the kernels' speed does not depend on it.
import { writeFileSync } from 'node:fs';
import { webgpu } from '@gemmkit/backend-webgpu';
import { contracts, createContext, Tensor } from '@gemmkit/core';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const iters = Number(argv[argv.indexOf('--iters') + 1]) || (quick ? 3 : 10);
const outFile = argv.includes('--out') ? argv[argv.indexOf('--out') + 1] : undefined;
// --tiny shrinks every dimension 16x (a smoke run of the script itself, e.g. on a software adapter).
const shrink = argv.includes('--tiny') ? 16 : 1;
const d = (x, q = 16) => Math.max(q, Math.round(x / shrink / q) * q);

let seed = 0x9e3779b9;
const rnd = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return seed >>> 0;
};

/** Random finite values of `dtype`, built from bit patterns (|x| in about [2^-3, 2^1]). */
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
  if (dtype === 'f32') {
    const f = new Float32Array(n);
    for (let i = 0; i < n; i++) f[i] = 0.01 + (rnd() % 1000) / 1e5;
    return Tensor.host(dtype, shape, new Uint8Array(f.buffer));
  }
  throw new Error(`randomHost: ${dtype}`);
}

function hostI32(values) {
  return Tensor.host('i32', [values.length], new Uint8Array(Int32Array.from(values).buffer));
}

const ctx = await createContext({ backends: [webgpu()], prefer: 'webgpu' });
const be = ctx.get('webgpu');
const profiling = be.setProfiling(true);
const results = [];

// Which pipelines a call used: the runtime's pipeline cache is asked for each dispatch by key, and the
// subgroup-matrix GEMM's keys start with 'sgm|' (kernels/gemm-launch.ts).
const pipelineKeys = [];
const cache = be.runtime?.pipelines;
if (cache && typeof cache.get === 'function') {
  const get = cache.get;
  cache.get = function (key, ...rest) {
    pipelineKeys.push(key);
    return get.call(this, key, ...rest);
  };
}
function kernelPathOf(keys) {
  if (!cache) return { path: 'unknown (no pipeline cache exposed)', pipelines: [] };
  const short = [...new Set(keys.map((k) => k.split('|').slice(0, 3).join('|')))];
  const sgm = keys.some((k) => k.startsWith('sgm|'));
  return { path: sgm ? 'f16 subgroup-matrix' : 'f32 tiled', pipelines: short };
}

const startedAt = new Date().toISOString();
function reportText(complete) {
  return JSON.stringify(
    {
      bench: 'webgpu-gemm',
      date: startedAt,
      complete, // false while rows are still coming (a killed run leaves the rows it finished)
      node: process.version,
      device: be.capabilities.device,
      features: be.capabilities.features,
      // The adapter's subgroup-matrix configuration the f16 path was built for (null: no such path).
      subgroupMatrix: be.subgroupMatrix ?? null,
      timing: profiling ? 'timestamp-query (median)' : 'wall clock (mean)',
      iters,
      results,
    },
    null,
    2,
  );
}
function writeReport(complete) {
  if (outFile) writeFileSync(outFile, reportText(complete));
}

async function bench(name, op, makeArgs, shape) {
  let args;
  try {
    args = makeArgs();
    const plan = contracts[op].validate(args, 'fast');
    pipelineKeys.length = 0;
    ctx.run(op, args); // warm-up: compiles the pipeline
    await ctx.sync();
    const kernel = kernelPathOf(pipelineKeys);
    be.takeTimings();
    const wall0 = performance.now();
    for (let i = 0; i < iters; i++) ctx.run(op, args);
    await ctx.sync();
    const wallMs = (performance.now() - wall0) / iters;
    const ns = be
      .takeTimings()
      .filter((t) => t.label === op)
      .map((t) => t.ns)
      .sort((a, b) => a - b);
    const gpuMs = ns.length ? ns[Math.floor(ns.length / 2)] / 1e6 : null;
    const ms = gpuMs ?? wallMs;
    const flops = contracts[op].flops(plan);
    const bytes = contracts[op].bytes(plan);
    const r = {
      name,
      op,
      shape,
      kernel,
      gpuMs,
      wallMs,
      tflops: flops / (ms * 1e-3) / 1e12,
      gbps: bytes / (ms * 1e-3) / 1e9,
    };
    results.push(r);
    console.error(
      `${name.padEnd(48)} ${ms.toFixed(3).padStart(9)} ms ${r.tflops.toFixed(2).padStart(7)} TFLOP/s  ${kernel.path}`,
    );
  } catch (e) {
    results.push({ name, op, shape, error: e instanceof Error ? e.message : String(e) });
    console.error(`${name}: ${e instanceof Error ? e.message : e}`);
  } finally {
    if (args) for (const v of Object.values(args)) if (v instanceof Tensor) v.dispose();
    writeReport(false);
  }
}

const dev = (dtype, shape) => ctx.to(randomHost(dtype, shape));
const cdiv = (a, b) => Math.ceil(a / b);

// Square f16 GEMMs.
for (const s of quick ? [1024, 2048] : [1024, 2048, 4096, 8192])
  await bench(
    `f16 square ${d(s)}`,
    'bmmFp16',
    () => ({
      a: dev('f16', [1, d(s), d(s)]),
      b: dev('f16', [1, d(s), d(s)]),
      outDtype: 'f16',
      out: ctx.empty('f16', [1, d(s), d(s)]),
    }),
    { M: d(s), N: d(s), K: d(s), G: 1, layout: 'dense', dtype: 'f16' },
  );

// DeepGEMM's dense shapes (DeepSeek-V3 projections): f16 and FP8 1x128 / 128x128 block-scaled.
const NK = [
  [2112, 7168],
  [24576, 1536],
  [32768, 512],
  [7168, 16384],
  [4096, 7168],
  [7168, 2048],
];
for (const m0 of quick ? [128] : [64, 128, 4096])
  for (const [n0, k0] of quick ? NK.slice(0, 2) : NK) {
    const [m, n, k] = [d(m0), d(n0), d(k0)];
    await bench(
      `f16 m=${m} n=${n} k=${k}`,
      'bmmFp16',
      () => ({
        a: dev('f16', [1, m, k]),
        b: dev('f16', [1, k, n]),
        outDtype: 'bf16',
        out: ctx.empty('bf16', [1, m, n]),
      }),
      { M: m, N: n, K: k, G: 1, layout: 'dense', dtype: 'f16' },
    );
    await bench(
      `fp8 block-scaled m=${m} n=${n} k=${k}`,
      'gemmFp8NtGroupwise',
      () => ({
        a: dev('e4m3', [m, k]),
        b: dev('e4m3', [n, k]),
        aScale: dev('f32', [m, cdiv(k, 128)]),
        bScale: dev('f32', [cdiv(n, 128), cdiv(k, 128)]),
        out: ctx.empty('bf16', [m, n]),
      }),
      { M: m, N: n, K: k, G: 1, layout: 'dense', dtype: 'fp8 1x128/128x128' },
    );
  }

// Grouped MoE, contiguous layout (psum ends, groups aligned to 128 rows).
for (const [groups, mPer0, n0, k0] of quick
  ? [[4, 256, 4096, 7168]]
  : [
      [4, 8192, 4096, 7168],
      [8, 4096, 7168, 2048],
      [32, 256, 4096, 7168],
    ]) {
  const [mPer, n, k] = [d(mPer0, 128), d(n0), d(k0)];
  const m = groups * mPer;
  await bench(
    `moe contiguous g=${groups} m/g=${mPer} n=${n} k=${k}`,
    'raggedMMoeGemm8bit',
    () => ({
      a: dev('e4m3', [m, k]),
      aScale: dev('f32', [m, cdiv(k, 128)]),
      b: dev('e4m3', [groups, n, k]),
      bScale: dev('f32', [groups, cdiv(n, 128), cdiv(k, 128)]),
      raggedTokensInfo: ctx.to(hostI32(Array.from({ length: groups }, (_, g) => (g + 1) * mPer))),
      gemmMode: 'psum_expert',
      out: ctx.empty('bf16', [m, n]),
    }),
    { M: mPer, N: n, K: k, G: groups, layout: 'contiguous', dtype: 'fp8 1x128/128x128' },
  );
}

// Grouped MoE, masked layout (decode): maxM rows per expert, about half valid.
for (const [groups, maxM0, n0, k0] of quick
  ? [[4, 256, 4096, 7168]]
  : [
      [1, 1024, 4096, 7168],
      [2, 512, 7168, 2048],
      [4, 256, 4096, 7168],
      [16, 256, 7168, 2048],
    ]) {
  const [maxM, n, k] = [d(maxM0, 64), d(n0), d(k0)];
  const maskedM = Array.from({ length: groups }, (_, g) =>
    Math.max(1, (maxM >> 1) + ((g * 37) % (maxM >> 2))),
  );
  await bench(
    `moe masked g=${groups} maxM=${maxM} n=${n} k=${k}`,
    'maskedMoeGemm8bit',
    () => ({
      a: dev('e4m3', [groups, maxM, k]),
      aScale: dev('f32', [groups, maxM, cdiv(k, 128)]),
      b: dev('e4m3', [groups, n, k]),
      bScale: dev('f32', [groups, cdiv(n, 128), cdiv(k, 128)]),
      maskedM: ctx.to(hostI32(maskedM)),
      out: ctx.empty('bf16', [groups, maxM, n]),
    }),
    { M: maxM, N: n, K: k, G: groups, layout: 'masked', dtype: 'fp8 1x128/128x128', maskedM },
  );
}

writeReport(true);
if (!outFile) console.log(reportText(true));
await ctx.dispose();
