#!/usr/bin/env node
// The fused MoE layer on a GPU backend at a size where the Hopper grouped kernels are chosen, checked the
// same way as packages/moe/test/fused-moe.test.ts (which runs at a CI-sized shape): a DeepSeek-style FP8
// expert checkpoint written to and read back from safetensors, the layer on `--backend` and on cpu, both
// against a float64 formula of the unquantized math (brief §5: calcDiff < 1e-3) and against each other.
//
//   node gpu-tier-moe.mjs [--backend cuda|webgpu] [--small] [--out results.json]
// Runs from the GPU bundle (scripts/gpu-tier.sh copies it next to gpu-tier-run.mjs).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpu } from '@gemmkit/backend-cpu';
import {
  calcDiff,
  createContext,
  decodeToFloat64,
  loadFp8Checkpoint,
  openSafetensors,
  quantizeFp8Blocks,
  Random,
  Tensor,
  tensorFrom,
  writeFileBytes,
  writeSafetensors,
} from '@gemmkit/core';
import {
  fp8BlockWeightValues,
  fusedMoe,
  loadFp8Experts,
  swigluExpertReference,
  topkRouting,
} from '@gemmkit/moe';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const backend = opt('backend', 'cuda');
const small = argv.includes('--small');
// Full size: 8 experts of H=1024, I=512 and 384 tokens top-2 (about 96 rows per expert, K multiple of 128).
const [T, H, I, E, K] = small ? [24, 256, 128, 4, 2] : [384, 1024, 512, 8, 2];
const PREFIX = 'model.layers.3.mlp.experts';

async function backendFactory(name) {
  if (name === 'cuda') return (await import('@gemmkit/backend-cuda')).cuda();
  if (name === 'webgpu') return (await import('@gemmkit/backend-webgpu')).webgpu();
  throw new Error(`--backend ${name}: expected cuda or webgpu`);
}

/** One FP8 projection [N, K] with 128x128 scales as a checkpoint stores it, plus its exact values. */
function fp8Weight(n, k, std, rng) {
  const v = new Float64Array(n * k);
  for (let i = 0; i < v.length; i++) v[i] = rng.normal() * std;
  const q = quantizeFp8Blocks(v, [1, n, k], [128, 128], { dtype: 'e4m3', ue8m0: false, eps: 1e-4 });
  const weight = Tensor.host('e4m3', [n, k], q.codes);
  const scale = tensorFrom('f32', [Math.ceil(n / 128), Math.ceil(k / 128)], q.scales);
  return { weight, scale, deq: fp8BlockWeightValues(weight, scale) };
}

const dir = await mkdtemp(join(tmpdir(), 'gemmkit-moe-gpu-'));
const gk = await createContext({ backends: [await backendFactory(backend), cpu()] });
const st = gk.status.find((s) => s.name === backend);
if (!st?.available) {
  console.error(`gpu-tier-moe: backend ${backend} unavailable: ${st?.reason ?? 'not registered'}`);
  process.exit(2);
}

const rng = new Random(2026);
const tensors = {};
const deq = [];
for (let e = 0; e < E; e++) {
  const gate = fp8Weight(I, H, 0.04, rng);
  const up = fp8Weight(I, H, 0.04, rng);
  const down = fp8Weight(H, I, 0.06, rng);
  for (const [p, w] of [
    ['gate_proj', gate],
    ['up_proj', up],
    ['down_proj', down],
  ]) {
    tensors[`${PREFIX}.${e}.${p}.weight`] = w.weight;
    tensors[`${PREFIX}.${e}.${p}.weight_scale_inv`] = w.scale;
  }
  deq.push({ gate: gate.deq, up: up.deq, down: down.deq });
}
const path = join(dir, 'experts.safetensors');
await writeFileBytes(path, writeSafetensors(tensors, { format: 'pt' }));
const reader = await openSafetensors(path);
const { w13, w2 } = loadFp8Experts(loadFp8Checkpoint(await reader.loadMany()), E, { prefix: PREFIX });
await reader.close();

const x = tensorFrom(
  'bf16',
  [T, H],
  Float64Array.from({ length: T * H }, (_, i) => Math.sin(i * 0.37) * 1.5),
);
const xv = decodeToFloat64('bf16', x.hostBytes());
// Well separated logits so that f32 and float64 routing pick the same experts.
const lgv = new Float64Array(T * E);
for (let t = 0; t < T; t++) {
  const perm = Array.from({ length: E }, (_, e) => e).sort(() => rng.uniform() - 0.5);
  for (let e = 0; e < E; e++) lgv[t * E + e] = perm[e] * 0.4 + rng.uniform() * 0.01;
}
const logits = tensorFrom('f32', [T, E], lgv);

const routings = {
  'softmax top-2, renormalized': { topK: K, renormalize: true },
  'DeepSeek-V3 (sigmoid + bias, 4 groups, best 2, scale 2.5)': {
    topK: K,
    scoring: 'sigmoid',
    bias: tensorFrom(
      'f32',
      [E],
      Array.from({ length: E }, (_, e) => ((e * 7) % 5) * 0.06),
    ),
    scale: 2.5,
    numGroups: 4,
    topkGroup: 2,
  },
};

const rows = [];
let failed = 0;
for (const [name, routing] of Object.entries(routings)) {
  // Float64 formula on the host routing (itself checked against float64 in packages/moe tests).
  const host = topkRouting(logits, routing);
  const ids = [...new Int32Array(host.topkIds.hostBytes().slice().buffer)];
  const w = decodeToFloat64('f32', host.topkWeights.hostBytes());
  const want = new Float64Array(T * H);
  for (let t = 0; t < T; t++)
    for (let j = 0; j < K; j++) {
      const y = swigluExpertReference(xv.subarray(t * H, (t + 1) * H), deq[ids[t * K + j]]);
      for (let h = 0; h < H; h++) want[t * H + h] += w[t * K + j] * y[h];
    }
  const got = {};
  for (const b of [backend, 'cpu']) {
    const t0 = performance.now();
    const r = fusedMoe(gk, { x, routerLogits: logits, w13, w2, routing, backend: b });
    const out = decodeToFloat64('bf16', (await r.out.toHost()).hostBytes());
    const gotIds = [...new Int32Array((await r.topkIds.toHost()).hostBytes().slice().buffer)];
    const ms = performance.now() - t0;
    const idsOk = gotIds.every((v, i) => v === ids[i]);
    const finite = out.every(Number.isFinite);
    const diff = calcDiff(out, want);
    const pass = idsOk && finite && diff < 1e-3;
    if (!pass) failed++;
    got[b] = out;
    rows.push({ routing: name, backend: b, T, H, I, E, topK: K, diff, idsOk, finite, pass, ms });
    console.log(
      `${pass ? 'PASS' : 'FAIL'} fusedMoe ${name} on ${b}: calcDiff vs float64 ${diff.toExponential(2)}, ids ${idsOk ? 'ok' : 'MISMATCH'}, ${ms.toFixed(0)} ms`,
    );
  }
  const cross = calcDiff(got[backend], got.cpu);
  const crossPass = cross < 1e-4;
  if (!crossPass) failed++;
  rows.push({ routing: name, backend: `${backend} vs cpu`, diff: cross, pass: crossPass });
  console.log(
    `${crossPass ? 'PASS' : 'FAIL'} fusedMoe ${name}: ${backend} vs cpu calcDiff ${cross.toExponential(2)}`,
  );
}

const outFile = opt('out', undefined);
if (outFile)
  await writeFile(
    outFile,
    JSON.stringify({ suite: 'fused-moe', backend, date: new Date().toISOString(), rows }, null, 2),
  );
await gk.dispose();
await rm(dir, { recursive: true, force: true });
console.log(failed ? `${failed} fused MoE check(s) FAILED` : 'fused MoE checks passed');
process.exit(failed ? 1 : 0);
