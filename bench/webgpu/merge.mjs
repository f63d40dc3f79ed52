#!/usr/bin/env node
// Merge the WebGPU GEMM report (packages/backend-webgpu/bench/webgpu-gemm.mjs) with its cuBLAS peer and the
// ceilings (bench/webgpu/peer.py) into one file in the format of BENCH_RESULTS.md, and print a table.
//
//   node bench/webgpu/merge.mjs <webgpu-raw.json> <peer.json> <out.json> [--commit-file F]
//
// ratio = peer median / WebGPU median (> 1: WebGPU faster); bwFraction = bytes that must move / time / the
// copy bandwidth measured by peer.py in the same run. No dependencies: runs with the bundle's node.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const argv = process.argv.slice(2);
const pos = argv.filter((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--'));
if (pos.length !== 3) {
  console.error('usage: merge.mjs <webgpu-raw.json> <peer.json> <out.json> [--commit-file F]');
  process.exit(2);
}
const [rawFile, peerFile, outFile] = pos;
const commitFile = argv.includes('--commit-file') ? argv[argv.indexOf('--commit-file') + 1] : null;
const raw = JSON.parse(readFileSync(rawFile, 'utf8'));
// A failed peer run still leaves the WebGPU numbers worth keeping: peer fields are then null.
let peer = { rows: [], ceilings: {}, error: `no peer report (${peerFile})` };
if (existsSync(peerFile)) {
  try {
    peer = JSON.parse(readFileSync(peerFile, 'utf8'));
  } catch (e) {
    peer.error = `unreadable peer report: ${e.message}`;
  }
}

function smi() {
  try {
    const [gpu, driver] = execFileSync(
      'nvidia-smi',
      ['--query-gpu=name,driver_version', '--format=csv,noheader'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 20000,
      },
    )
      .trim()
      .split('\n')[0]
      .split(',')
      .map((x) => x.trim());
    return { gpu, driver };
  } catch {
    return { gpu: null, driver: null };
  }
}

const host = smi();
const r2 = (v, d = 2) => (Number.isFinite(v) ? Math.round(v * 10 ** d) / 10 ** d : null);
const hbm = peer.ceilings?.hbmGBps;
const peerByName = new Map((peer.rows ?? []).map((r) => [r.name, r.peer]));

const results = raw.results.map((r) => {
  const p = peerByName.get(r.name) ?? null;
  const base = {
    op: r.op,
    backend: 'webgpu',
    name: r.name,
    layout: r.shape?.layout ?? null,
    dtype: r.shape?.dtype ?? null,
    shape: r.shape ? { M: r.shape.M, N: r.shape.N, K: r.shape.K, G: r.shape.G } : null,
    ...(r.shape?.maskedM ? { maskedM: r.shape.maskedM } : {}),
  };
  if (r.error) return { ...base, error: r.error, peer: p };
  const ms = r.gpuMs ?? r.wallMs;
  const us = ms * 1000;
  return {
    ...base,
    kernel: r.kernel?.path ?? null,
    pipelines: r.kernel?.pipelines ?? [],
    median_us: r2(us),
    timing: r.gpuMs != null ? 'timestamp-query median' : 'wall clock mean',
    tflops: r2(r.tflops),
    gbps: r2(r.gbps, 1),
    bwFraction: Number.isFinite(hbm) && hbm > 0 ? r2(r.gbps / hbm, 4) : null,
    peer: p,
    ratio: p?.median_us ? r2(p.median_us / us, 3) : null,
  };
});

const commit = commitFile && existsSync(commitFile) ? readFileSync(commitFile, 'utf8').trim() : null;
const doc = {
  suite: 'webgpu-gemm',
  gpu: host.gpu ?? peer.device ?? null,
  driver: host.driver,
  cuda: peer.cuda ?? null,
  torch: peer.torch ?? null,
  commit,
  date: String(raw.date ?? new Date().toISOString()).slice(0, 10),
  node: raw.node ?? null,
  ceilings: { hbmGBps: peer.ceilings?.hbmGBps ?? null, bf16TFLOPS: peer.ceilings?.bf16TFLOPS ?? null },
  adapter: {
    device: raw.device,
    features: raw.features,
    subgroupMatrix: raw.subgroupMatrix ?? null,
  },
  timing: { webgpu: raw.timing, iters: raw.iters, peer: peer.timing ?? null },
  // false: the WebGPU bench was stopped before its last shape (its finished rows are kept).
  complete: raw.complete !== false,
  ...(peer.error ? { peerError: peer.error } : {}),
  results,
};
writeFileSync(outFile, `${JSON.stringify(doc, null, 1)}\n`);

// The table, last thing printed.
const pad = (s, n) => String(s ?? '-').padStart(n);
console.log(
  `\nWebGPU GEMM on ${doc.gpu ?? raw.device} (ceilings: HBM ${doc.ceilings.hbmGBps ?? '-'} GB/s, bf16 ${doc.ceilings.bf16TFLOPS ?? '-'} TFLOP/s; ${raw.timing})`,
);
console.log(
  `${'case'.padEnd(46)} ${'path'.padEnd(19)} ${pad('µs', 10)} ${pad('TFLOP/s', 8)} ${pad('bw', 6)} ${pad('cuBLAS µs', 10)} ${pad('TFLOP/s', 8)} ${pad('ratio', 7)}`,
);
for (const r of results) {
  if (r.error) {
    console.log(`${r.name.padEnd(46)} error: ${String(r.error).slice(0, 80)}`);
    continue;
  }
  console.log(
    `${r.name.padEnd(46)} ${String(r.kernel ?? '-').padEnd(19)} ${pad(r.median_us?.toFixed(1), 10)} ${pad(r.tflops?.toFixed(2), 8)} ${pad(r.bwFraction?.toFixed(3), 6)} ${pad(r.peer?.median_us?.toFixed(1), 10)} ${pad(r.peer?.tflops?.toFixed(1), 8)} ${pad(r.ratio?.toFixed(3), 7)}`,
  );
}
console.log(`\nwritten: ${outFile}`);
