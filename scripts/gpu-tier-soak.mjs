#!/usr/bin/env node
// Soak test of the small-M FP8 GEMM launches on the GPU: per shape, one call is synced and read back, then
// many more calls rewrite the same output and it is read again; the two must be bit-identical (the kernels
// are deterministic, so a difference means a race). Each shape is logged before it starts, so a hang names
// its launch. Run it under a timeout: a deadlocked kernel never returns.
//   node gpu-tier-soak.mjs --op gemmFp8NtGroupwise|bmmFp8 [--calls 400] [--shapes NxK,...] [--ms 1,16,64,128]
// (from the GPU bundle's app/; bmmFp8 takes its opt-in Hopper route with GEMMKIT_SM90_BMM_FP8=1)
import { cuda } from '@gemmkit/backend-cuda';
import { createContext, randn, tensorFrom } from '@gemmkit/core';

const argv = process.argv.slice(2);
const opt = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const op = opt('--op') ?? 'gemmFp8NtGroupwise';
const calls = Number(opt('--calls') ?? 400);
const onlyShapes = opt('--shapes')?.split(',');
const ms = opt('--ms')?.split(',').map(Number) ?? [1, 16, 64, 128];
const SHAPES = [
  [2112, 7168],
  [24576, 1536],
  [32768, 512],
  [7168, 16384],
  [4096, 7168],
  [7168, 2048],
];

const gk = await createContext({ backends: [cuda()], validate: 'fast' });
const be = gk.get('cuda');
const dev = (t) => gk.to(t, 'cuda');
let bad = 0;
for (const [n, k] of SHAPES) {
  if (onlyShapes && !onlyShapes.includes(`${n}x${k}`)) continue;
  for (const m of ms) {
    const kb = Math.ceil(k / 128);
    const args =
      op === 'bmmFp8'
        ? {
            a: dev(randn('e4m3', [1, m, k], 1)),
            b: dev(randn('e4m3', [1, n, k], 2)).transpose(1, 2),
            aScale: dev(tensorFrom('f32', [1], [0.02])),
            bScale: dev(tensorFrom('f32', [1], [0.03])),
            outDtype: 'bf16',
          }
        : {
            a: dev(randn('e4m3', [m, k], 1)),
            b: dev(randn('e4m3', [n, k], 2)),
            aScale: dev(randn('f32', [m, kb], 3)),
            bScale: dev(randn('f32', [Math.ceil(n / 128), kb], 4)),
            outDtype: 'bf16',
          };
    console.log(`${op} M=${m} N=${n} K=${k}: start`);
    const out = gk.run(op, args);
    const first = await out.toHost();
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) gk.run(op, { ...args, out });
    await be.sync();
    const us = ((performance.now() - t0) * 1000) / calls;
    const again = await out.toHost();
    const a = first.storage.bytes;
    const b = again.storage.bytes;
    let diff = a.length === b.length && a.length > 0 ? 0 : -1;
    for (let i = 0; i < a.length && diff >= 0; i++) if (a[i] !== b[i]) diff++;
    if (diff !== 0) bad++;
    console.log(
      `${op} M=${m} N=${n} K=${k}: ${calls} calls, ${us.toFixed(1)} µs/call, differing bytes ${diff}`,
    );
  }
}
await gk.dispose();
console.log(bad ? `SOAK FAILED: ${bad} shapes differ` : 'soak ok');
process.exit(bad ? 1 : 0);
