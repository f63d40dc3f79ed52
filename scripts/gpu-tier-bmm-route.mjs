#!/usr/bin/env node
// bmmFp8's Hopper route vs cuBLASLt on the same GPU (the rule in src/ops/sm90/bmm-fp8-sm90.ts): times
// per-tensor-scaled bmmFp8 at small M in this process — run it twice, with GEMMKIT_SM90_BMM_FP8=1 (the opt-in
// route) and with GEMMKIT_CUDA_SM90=0 (cuBLASLt) — and checks M = 16 against the cpu
// backend. `bash scripts/gpu-tier.sh --all` runs both (step bmm-route) plus bmmFp8's conformance on the route.
//   node gpu-tier-bmm-route.mjs [--out file.json] [--shapes NxK,...] [--ms 1,16]   (from the GPU bundle's app/)
// Each shape's first call is synced and logged before it is timed, so a hang names its launch.
import { writeFileSync } from 'node:fs';
import { cpu } from '@gemmkit/backend-cpu';
import { cuda } from '@gemmkit/backend-cuda';
import { calcDiff, createContext, randn, tensorFrom } from '@gemmkit/core';

const argv = process.argv.slice(2);
const opt = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const outFile = opt('--out');
const onlyShapes = opt('--shapes')?.split(',');
const onlyMs = opt('--ms')?.split(',').map(Number);
const route =
  process.env.GEMMKIT_CUDA_SM90 === '0'
    ? 'cuBLASLt'
    : process.env.GEMMKIT_SM90_BMM_FP8 === '1'
      ? 'sm90 where the rule applies'
      : 'default (cuBLASLt)';
const gk = await createContext({ backends: [cuda(), cpu()], validate: 'fast' });
const be = gk.get('cuda');
const rows = [];
for (const [n, k] of [
  [24576, 1536],
  [32768, 512],
  [7168, 2048],
  [4096, 7168],
]) {
  if (onlyShapes && !onlyShapes.includes(`${n}x${k}`)) continue;
  for (const m of onlyMs ?? [1, 16, 64, 128]) {
    const host = {
      a: randn('e4m3', [1, m, k], 1),
      b: randn('e4m3', [1, n, k], 2).transpose(1, 2),
      aScale: tensorFrom('f32', [1], [0.02]),
      bScale: tensorFrom('f32', [1], [0.03]),
      outDtype: 'bf16',
    };
    const args = Object.fromEntries(
      Object.entries(host).map(([key, v]) => [key, typeof v === 'object' ? gk.to(v, 'cuda') : v]),
    );
    args.b = gk.to(randn('e4m3', [1, n, k], 2), 'cuda').transpose(1, 2); // moved dense, viewed K-contiguous
    const out = gk.run('bmmFp8', args, { backend: 'cuda' });
    await be.sync();
    console.log(`  first call M=${m} N=${n} K=${k} done`);
    // The float64 cpu reference only at M = 16 (the conformance suite covers the rest).
    const diff = m === 16 ? calcDiff(await out.toHost(), gk.run('bmmFp8', host, { backend: 'cpu' })) : null;
    const calls = 200;
    const samples = [];
    for (let r = 0; r < 7; r++) {
      await be.sync();
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) gk.run('bmmFp8', { ...args, out }, { backend: 'cuda' });
      await be.sync();
      samples.push(((performance.now() - t0) * 1000) / calls);
    }
    const us = samples.sort((x, y) => x - y)[3];
    rows.push({ m, n, k, route, us: +us.toFixed(2), diff });
    console.log(
      `${route.padEnd(10).slice(0, 10)} M=${m} N=${n} K=${k}: ${us.toFixed(2)} µs/call, calcDiff ${diff === null ? '-' : diff.toExponential(2)}`,
    );
  }
}
if (outFile) writeFileSync(outFile, JSON.stringify({ suite: 'bmm-fp8-route', route, rows }, null, 1));
await gk.dispose();
