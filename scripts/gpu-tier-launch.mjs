#!/usr/bin/env node
// Host cost of launching an op from Node on the CUDA backend (issue: < 10 µs per launch). Small problems in
// short batches (CALLS enqueued, then a sync): the launch queue never fills, so a kernel slower on the device
// than its launch on the host does not stall the loop (500-call batches did on the 2026-12-06 H100 run: the
// sm90 GEMM's launches carry ~0.5 KB of parameters each, and those batches read 16 µs/call where the host
// cost was a few µs). Reports the median over batches of host µs per call (wall, and the process's CPU time),
// with validate 'fast' (the production setting) and 'full' (host-side index checks; reads device index data
// back, so it syncs), and with / without a given `out`.
//
//   node --expose-gc gpu-tier-launch.mjs [--out launch.json]     (from the GPU bundle, like gpu-tier-run.mjs)
import { writeFileSync } from 'node:fs';
import { createContext, randn, Tensor, tensorFrom } from '@gemmkit/core';

const argv = process.argv.slice(2);
const outFile = argv.includes('--out') ? argv[argv.indexOf('--out') + 1] : undefined;
const BACKEND = argv.includes('--backend') ? argv[argv.indexOf('--backend') + 1] : 'cuda';
const CALLS = 50;
const BATCHES = 61;

const workloads = {
  'bmmFp16 bf16 1x64x64x64': () => ({
    a: randn('bf16', [1, 64, 64], 1),
    b: randn('bf16', [1, 64, 64], 2),
    outDtype: 'bf16',
  }),
  'mmFp8 e4m3 64x64x64': () => ({
    a: randn('e4m3', [64, 64], 3),
    b: randn('e4m3', [64, 64], 4),
    outDtype: 'bf16',
  }),
  'gemmFp8NtGroupwise 64x256x256 (sm90 on Hopper)': () => ({
    a: randn('e4m3', [64, 256], 5),
    b: randn('e4m3', [256, 256], 6),
    aScale: tensorFrom('f32', [64, 2], new Float64Array(128).fill(0.01)),
    bScale: tensorFrom('f32', [2, 2], new Float64Array(4).fill(0.02)),
    outDtype: 'bf16',
  }),
  'quantPerTokenFp8 bf16 64x256': () => ({ x: randn('bf16', [64, 256], 7) }),
  'moePermute bf16 64x128': () => ({
    x: randn('bf16', [32, 128], 8),
    tokenOf: tensorFrom(
      'i32',
      [64],
      Array.from({ length: 64 }, (_, i) => (i % 3 === 2 ? -1 : i % 32)),
    ),
  }),
};
const OPS = {
  'bmmFp16 bf16 1x64x64x64': 'bmmFp16',
  'mmFp8 e4m3 64x64x64': 'mmFp8',
  'gemmFp8NtGroupwise 64x256x256 (sm90 on Hopper)': 'gemmFp8NtGroupwise',
  'quantPerTokenFp8 bf16 64x256': 'quantPerTokenFp8',
  'moePermute bf16 64x128': 'moePermute',
};

/** Give an op's allocated outputs back (a tensor, or a result record such as `{ data, scale }`). */
function release(r) {
  if (r instanceof Tensor) r.dispose();
  else if (r && typeof r === 'object')
    for (const v of Object.values(r)) release(v?.tensor instanceof Tensor ? v.tensor : v);
}

/** Operands passed as the transposed view of a row-major [N, K] weight. */
const TRANSPOSED = new Set(['bmmFp16.b', 'mmFp8.b']);
const median = (v) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
const rows = [];
// A first, unrecorded round warms V8's optimizing tiers for the whole launch path (50 calls per workload do
// not: the first recorded mode used to read several µs higher than the second).
for (const [validate, record] of [
  ['fast', false],
  ['fast', true],
  ['full', true],
]) {
  const factory =
    BACKEND === 'cuda'
      ? (await import('@gemmkit/backend-cuda')).cuda()
      : (await import('@gemmkit/backend-cpu')).cpu(); // --backend cpu: a smoke run of the script itself
  const gk = await createContext({ backends: [factory], validate });
  const be = gk.get(BACKEND);
  for (const [name, make] of Object.entries(workloads)) {
    const op = OPS[name];
    // Moving a view copies it densely: operands given as transposed views are moved first, viewed after.
    const raw = make();
    const args = Object.fromEntries(
      Object.entries(raw).map(([k, v]) => [k, v instanceof Tensor ? gk.to(v, BACKEND) : v]),
    );
    for (const [k, v] of Object.entries(raw))
      if (v instanceof Tensor && TRANSPOSED.has(`${op}.${k}`)) args[k] = args[k].transpose(-2, -1);
    const first = gk.run(op, args, { backend: BACKEND });
    const out = first instanceof Tensor ? first : undefined;
    // Both output modes in alternating batches, so drift over the run (JIT tiers, GC, a noisy neighbour on
    // the host) falls on both alike: measured one after the other, the mode measured first read 1-4 µs more.
    const modes = (out ? [false, true] : [false]).map((withOut) => ({
      withOut,
      callArgs: withOut ? { ...args, out } : args,
      perCall: [],
      cpuPerCall: [],
    }));
    for (const mode of modes)
      for (let i = 0; i < 50; i++) {
        const r = gk.run(op, mode.callArgs, { backend: BACKEND });
        if (!mode.withOut) release(r);
      }
    await be.sync();
    // A clean heap per workload (node --expose-gc): garbage of the workloads before is not collected on this
    // workload's time.
    globalThis.gc?.();
    for (let b = 0; b < BATCHES; b++)
      for (const { withOut, callArgs, perCall, cpuPerCall } of modes) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        for (let i = 0; i < CALLS; i++) {
          const r = gk.run(op, callArgs, { backend: BACKEND });
          if (!withOut) release(r);
        }
        perCall.push(((performance.now() - t0) * 1000) / CALLS);
        const c = process.cpuUsage(c0);
        cpuPerCall.push((c.user + c.system) / CALLS);
        await be.sync();
      }
    if (!record) continue;
    for (const { withOut, perCall, cpuPerCall } of modes) {
      const hostUs = median(perCall);
      const cpuUs = median(cpuPerCall);
      rows.push({
        op,
        workload: name,
        validate,
        out: withOut ? 'given' : 'allocated',
        hostUs,
        cpuUs,
        batches: perCall,
      });
      console.log(
        `${hostUs.toFixed(2).padStart(8)} µs/call (cpu ${cpuUs.toFixed(2).padStart(6)})  validate=${validate.padEnd(4)} out=${withOut ? 'given    ' : 'allocated'}  ${name}`,
      );
    }
  }
  await gk.dispose();
}
if (outFile)
  writeFileSync(outFile, JSON.stringify({ suite: 'launch-overhead', calls: CALLS, rows }, null, 2));
