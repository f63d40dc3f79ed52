#!/usr/bin/env node
import { webgpu } from '@gemmkit/backend-webgpu';
// WebGPU GEMM benchmark (run on the GPU host): square f16 GEMMs 1024..8192, DeepGEMM-shaped f16 and
// FP8-emulated block-scaled GEMMs, grouped MoE (contiguous and masked). GPU time comes from timestamp
// queries (Dawn with timestamp quantization off); the median of `--iters` runs is reported as JSON.
//
//   pnpm --filter @gemmkit/backend-webgpu... build && node packages/backend-webgpu/bench/webgpu-gemm.mjs [--quick] [--iters N]
//
// Data is random but cheap to make (bit patterns drawn directly): the kernels' speed does not depend on it.
import { contracts, createContext, Tensor } from '@gemmkit/core';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const iters = Number(argv[argv.indexOf('--iters') + 1]) || (quick ? 3 : 10);
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

async function bench(name, op, makeArgs) {
  let args;
  try {
    args = makeArgs();
    const plan = contracts[op].validate(args, 'fast');
    ctx.run(op, args); // warm-up: compiles the pipeline
    await ctx.sync();
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
      gpuMs,
      wallMs,
      tflops: flops / (ms * 1e-3) / 1e12,
      gbps: bytes / (ms * 1e-3) / 1e9,
    };
    results.push(r);
    console.error(
      `${name.padEnd(48)} ${ms.toFixed(3).padStart(9)} ms ${r.tflops.toFixed(2).padStart(7)} TFLOP/s`,
    );
  } catch (e) {
    results.push({ name, op, error: e instanceof Error ? e.message : String(e) });
    console.error(`${name}: ${e instanceof Error ? e.message : e}`);
  } finally {
    if (args) for (const v of Object.values(args)) if (v instanceof Tensor) v.dispose();
  }
}

const dev = (dtype, shape) => ctx.to(randomHost(dtype, shape));
const cdiv = (a, b) => Math.ceil(a / b);

// Square f16 GEMMs.
for (const s of quick ? [1024, 2048] : [1024, 2048, 4096, 8192])
  await bench(`f16 square ${d(s)}`, 'bmmFp16', () => ({
    a: dev('f16', [1, d(s), d(s)]),
    b: dev('f16', [1, d(s), d(s)]),
    outDtype: 'f16',
    out: ctx.empty('f16', [1, d(s), d(s)]),
  }));

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
    await bench(`f16 m=${m} n=${n} k=${k}`, 'bmmFp16', () => ({
      a: dev('f16', [1, m, k]),
      b: dev('f16', [1, k, n]),
      outDtype: 'bf16',
      out: ctx.empty('bf16', [1, m, n]),
    }));
    await bench(`fp8 block-scaled m=${m} n=${n} k=${k}`, 'gemmFp8NtGroupwise', () => ({
      a: dev('e4m3', [m, k]),
      b: dev('e4m3', [n, k]),
      aScale: dev('f32', [m, cdiv(k, 128)]),
      bScale: dev('f32', [cdiv(n, 128), cdiv(k, 128)]),
      out: ctx.empty('bf16', [m, n]),
    }));
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
  await bench(`moe contiguous g=${groups} m/g=${mPer} n=${n} k=${k}`, 'raggedMMoeGemm8bit', () => ({
    a: dev('e4m3', [m, k]),
    aScale: dev('f32', [m, cdiv(k, 128)]),
    b: dev('e4m3', [groups, n, k]),
    bScale: dev('f32', [groups, cdiv(n, 128), cdiv(k, 128)]),
    raggedTokensInfo: ctx.to(hostI32(Array.from({ length: groups }, (_, g) => (g + 1) * mPer))),
    gemmMode: 'psum_expert',
    out: ctx.empty('bf16', [m, n]),
  }));
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
  await bench(`moe masked g=${groups} maxM=${maxM} n=${n} k=${k}`, 'maskedMoeGemm8bit', () => ({
    a: dev('e4m3', [groups, maxM, k]),
    aScale: dev('f32', [groups, maxM, cdiv(k, 128)]),
    b: dev('e4m3', [groups, n, k]),
    bScale: dev('f32', [groups, cdiv(n, 128), cdiv(k, 128)]),
    maskedM: ctx.to(
      hostI32(Array.from({ length: groups }, (_, g) => Math.max(1, (maxM >> 1) + ((g * 37) % (maxM >> 2))))),
    ),
    out: ctx.empty('bf16', [groups, maxM, n]),
  }));
}

console.log(
  JSON.stringify(
    {
      bench: 'webgpu-gemm',
      date: new Date().toISOString(),
      device: be.capabilities.device,
      features: be.capabilities.features,
      timing: profiling ? 'timestamp-query (median)' : 'wall clock (mean)',
      iters,
      results,
    },
    null,
    2,
  ),
);
await ctx.dispose();
