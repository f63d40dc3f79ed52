// CPU check of the TypeScript sm90 indexer launcher (packages/backend-cuda/src/ops/sm90/mqa-logits-sm90.ts)
// against the host launcher the GPU benchmark validated (bench/indexer/launch_sm90.cu): same kernel
// instantiation, same tensor maps (dims / strides / box / swizzle, innermost first, as cuTensorMapEncodeTiled
// gets them), kernel arguments in the kernel's order, grid and shared memory. A recording runtime stands in for
// CudaRuntime; the real tensor-map validation (tensorMapArgs) runs on every map.
//   npx tsx --conditions=source bench/indexer/check-launcher.ts      (exit code 1 on any mismatch)
import assert from 'node:assert/strict';
import {
  chooseSm90MqaConfig,
  launchSm90MqaLogits,
  launchSm90PagedMqaLogits,
  SM90_MQA_INSTANCES,
  sm90MqaLogitsApplies,
  sm90MqaSmemBytes,
  sm90PagedMqaLogitsApplies,
} from '../../packages/backend-cuda/src/ops/sm90/mqa-logits-sm90.js';
import type { CudaRuntime } from '../../packages/backend-cuda/src/runtime/index.js';
import {
  type EncodedTensorMapArgs,
  tensorMapArgs,
} from '../../packages/backend-cuda/src/runtime/tensor-map.js';
import { contracts, Tensor } from '../../packages/core/src/index.js';
import { pagedMqaSchedule } from '../../packages/core/src/ops/grouped/mqa-schedule.js';

interface Launch {
  defines: Record<string, number>;
  grid: number[];
  block: number[];
  sharedBytes: number;
  args: unknown[];
}

function recorder(arch = 'sm_90a') {
  const launches: Launch[] = [];
  const maps: EncodedTensorMapArgs[] = [];
  const bases = new WeakMap<object, bigint>();
  let next = 1n;
  const addr = (t: Tensor) => {
    if (!bases.has(t.storage)) bases.set(t.storage, next++ << 32n);
    const eb = t.dtype === 'f32' || t.dtype === 'i32' ? 4n : 1n;
    return ((bases.get(t.storage) as bigint) + BigInt(t.offset) * eb) as never;
  };
  const rt = {
    device: { arch, smCount: 132 },
    status: { arg: () => 0x5747n },
    tensorAddress: addr,
    tensorMap: (o: Parameters<typeof tensorMapArgs>[0]) => {
      maps.push(tensorMapArgs(o, addr));
      return { bytes: new Uint8Array(128), align: 64 };
    },
    getKernel: (spec: { file: string; name: string; defines: Record<string, number> }) => {
      assert.equal(spec.file, 'sm90/mqa_logits_sm90.cu');
      assert.equal(spec.name, 'mqa_logits_sm90');
      return {
        launch: (o: Omit<Launch, 'defines'>) => launches.push({ defines: spec.defines, ...o }),
      };
    },
  } as unknown as CudaRuntime;
  return { rt, launches, maps, addr };
}

const i32 = (shape: number[], v: number[]) =>
  Tensor.host('i32', shape, new Uint8Array(Int32Array.from(v).buffer));
const dims = (m: EncodedTensorMapArgs) => ({
  dims: [...m.dims].map(Number),
  strides: m.rank > 1 ? [...m.strides].map(Number) : [],
  box: [...m.box],
  swizzle: m.swizzle,
  dtype: m.dtype,
});
const U8 = 0;
const F32 = 7;
const SW128 = 3;

// GK_SMEM_BYTES of the kernel: 1024 + 2·N·128 + STAGES·(64·128 + 64·4) + 2·roundup(N·4, 128) + 2048.
const smem = (n: number, stages: number) =>
  1024 + 2 * n * 128 + stages * (8192 + 256) + 2 * Math.ceil((n * 4) / 128) * 128 + 2048;

function checkPaged(batch: number, nextN: number, heads: number, bkv: 32 | 64, twoD: boolean) {
  const { rt, launches, maps, addr } = recorder();
  const numBlocks = 40;
  const maxBlocks = Math.ceil((300 + 97 * (batch - 1)) / bkv);
  const lens = Array.from({ length: batch }, (_, b) => 300 + 97 * b);
  const numSms = 7;
  const ctx = twoD
    ? i32(
        [batch, nextN],
        lens.flatMap((l) => Array.from({ length: nextN }, (_, t) => l - nextN + t + 1)),
      )
    : i32([batch], lens);
  const args = {
    q: Tensor.host('e4m3', [batch, nextN, heads, 128]),
    fusedKvCache: Tensor.host('u8', [numBlocks, bkv, 1, 132]),
    weights: Tensor.host('f32', [batch * nextN, heads]),
    contextLens: ctx,
    blockTable: i32(
      [batch, maxBlocks],
      Array.from({ length: batch * maxBlocks }, (_, i) => i % numBlocks),
    ),
    scheduleMeta: i32([numSms + 1, 2], Array.from(pagedMqaSchedule(lens, 4 * bkv, numSms))),
    maxContextLen: 600 + 97 * batch,
    cleanLogits: true,
  };
  const plan = contracts.fp8PagedMqaLogits.validate(args);
  assert.ok(sm90PagedMqaLogitsApplies(rt, plan, args));
  const out = Tensor.host('f32', plan.outShape);
  launchSm90PagedMqaLogits(rt, plan, args, out);
  assert.equal(launches.length, 1);
  const l = launches[0];
  assert.deepEqual(l.defines, { MODE: 0, HEADS: heads, NQ: nextN, BLOCK_KV: bkv, STAGES: 16 });
  assert.deepEqual(l.grid, [numSms, 1, 1]);
  assert.deepEqual(l.block, [384, 1, 1]);
  assert.equal(l.sharedBytes, smem(nextN * heads, 16));
  const n = nextN * heads;
  const page = bkv * 132;
  // launch_sm90.cu (MODE 0): q, w, kv (3-D, page pitch), ks (2-D at page + bkv·128)
  assert.deepEqual(dims(maps[0]), {
    dims: [128, batch * n],
    strides: [128],
    box: [128, n],
    swizzle: SW128,
    dtype: U8,
  });
  assert.deepEqual(dims(maps[1]), {
    dims: [heads, batch * nextN],
    strides: [heads * 4],
    box: [heads, nextN],
    swizzle: 0,
    dtype: F32,
  });
  assert.deepEqual(dims(maps[2]), {
    dims: [128, bkv, numBlocks],
    strides: [128, page],
    box: [128, bkv, 1],
    swizzle: SW128,
    dtype: U8,
  });
  assert.deepEqual(dims(maps[3]), {
    dims: [bkv, numBlocks],
    strides: [page],
    box: [bkv, 1],
    swizzle: 0,
    dtype: F32,
  });
  assert.equal(maps[3].addr, addr(args.fusedKvCache) + BigInt(bkv * 128));
  // (maps, ctx, 0, s0, s1, two_d, table, table_rs, max_blocks, num_blocks, meta, batch, next_n, width, out,
  //  out_rs, clean, status)
  const a = l.args;
  assert.equal(a.length, 21);
  assert.equal(a[4], args.contextLens);
  assert.equal(a[5], 0n);
  assert.deepEqual(a.slice(6, 9), [{ i64: twoD ? nextN : 1 }, { i64: twoD ? 1 : 0 }, { i32: twoD ? 1 : 0 }]);
  assert.equal(a[9], args.blockTable);
  assert.deepEqual(a.slice(10, 13), [{ i64: maxBlocks }, { i32: maxBlocks }, { i32: numBlocks }]);
  assert.equal(a[13], args.scheduleMeta);
  assert.deepEqual(a.slice(14, 17), [{ i32: batch }, { i32: nextN }, { i32: args.maxContextLen }]);
  assert.equal(a[17], out);
  assert.deepEqual(a.slice(18), [{ i64: args.maxContextLen }, { i32: 1 }, 0x5747n]);
}

function checkPrefill(seq: number, seqKv: number, heads: number) {
  const { rt, launches, maps } = recorder();
  const args = {
    q: Tensor.host('e4m3', [seq, heads, 128]),
    k: Tensor.host('e4m3', [seqKv, 128]),
    kScale: Tensor.host('f32', [seqKv]),
    weights: Tensor.host('f32', [seq, heads]),
    cuSeqLenKStart: i32([seq], Array(seq).fill(0)),
    cuSeqLenKEnd: i32(
      [seq],
      Array.from({ length: seq }, (_, i) => seqKv - seq + i + 1),
    ),
    cleanLogits: false,
  };
  const plan = contracts.fp8MqaLogits.validate(args);
  assert.ok(sm90MqaLogitsApplies(rt, plan, args));
  const out = Tensor.host('f32', plan.outShape);
  launchSm90MqaLogits(rt, plan, args, out);
  const l = launches[0];
  const nq = 256 / heads;
  assert.deepEqual(l.defines, { MODE: 1, HEADS: heads, NQ: nq, BLOCK_KV: 64, STAGES: 10 });
  assert.deepEqual(l.grid, [Math.min(Math.ceil(seq / nq), 132), 1, 1]);
  assert.equal(l.sharedBytes, smem(256, 10));
  assert.deepEqual(dims(maps[0]), {
    dims: [128, seq * heads],
    strides: [128],
    box: [128, 256],
    swizzle: SW128,
    dtype: U8,
  });
  assert.deepEqual(dims(maps[1]), {
    dims: [heads, seq],
    strides: [heads * 4],
    box: [heads, nq],
    swizzle: 0,
    dtype: F32,
  });
  assert.deepEqual(dims(maps[2]), {
    dims: [128, seqKv],
    strides: [128],
    box: [128, 64],
    swizzle: SW128,
    dtype: U8,
  });
  assert.deepEqual(dims(maps[3]), {
    dims: [seqKv, 1],
    strides: [Math.ceil((seqKv * 4) / 16) * 16],
    box: [64, 1],
    swizzle: 0,
    dtype: F32,
  });
  const a = l.args;
  assert.equal(a.length, 21);
  assert.equal(a[4], args.cuSeqLenKStart);
  assert.equal(a[5], args.cuSeqLenKEnd);
  assert.deepEqual(a.slice(14, 17), [{ i32: seq }, { i32: nq }, { i32: seqKv }]);
  assert.equal(a[17], out);
  assert.deepEqual(a.slice(18), [{ i64: seqKv }, { i32: 0 }, 0x5747n]);
}

for (const [b, t, h, bkv, twoD] of [
  [3, 1, 64, 64, false],
  [3, 2, 64, 64, true],
  [5, 2, 32, 32, false],
  [2, 16, 8, 64, true],
] as const)
  checkPaged(b, t, h, bkv, twoD);
for (const [s, skv, h] of [
  [5, 70, 64],
  [300, 1000, 32],
  [33, 65, 8],
] as const)
  checkPrefill(s, skv, h);

// Off Hopper, or with D = 64, the portable kernel runs.
{
  const { rt } = recorder('sm_89');
  const args = {
    q: Tensor.host('e4m3', [2, 64, 128]),
    k: Tensor.host('e4m3', [8, 128]),
    kScale: Tensor.host('f32', [8]),
    weights: Tensor.host('f32', [2, 64]),
    cuSeqLenKStart: i32([2], [0, 0]),
    cuSeqLenKEnd: i32([2], [8, 8]),
    cleanLogits: true,
  };
  assert.equal(sm90MqaLogitsApplies(rt, contracts.fp8MqaLogits.validate(args), args), false);
  const d64 = { ...args, q: Tensor.host('e4m3', [2, 64, 64]), k: Tensor.host('e4m3', [8, 64]) };
  assert.equal(sm90MqaLogitsApplies(recorder().rt, contracts.fp8MqaLogits.validate(d64), d64), false);
}

// Every config the rule picks is a compile-tier instance.
const key = (d: Record<string, number>) => JSON.stringify(Object.entries(d).sort());
const inst = new Set(SM90_MQA_INSTANCES.map((i) => key(i.defines)));
for (const h of [8, 16, 32, 64]) {
  const c = chooseSm90MqaConfig('prefill', h);
  assert.ok(inst.has(key({ MODE: 1, HEADS: h, NQ: c.nq, BLOCK_KV: 64, STAGES: c.stages })));
  for (const n of [1, 2, 4, 8, 16].filter((x) => x * h <= 128))
    for (const bkv of [32, 64] as const) {
      const p = chooseSm90MqaConfig('paged', h, n, bkv);
      assert.ok(inst.has(key({ MODE: 0, HEADS: h, NQ: n, BLOCK_KV: bkv, STAGES: p.stages })));
      assert.ok(sm90MqaSmemBytes(p) <= 227 * 1024);
    }
}
assert.equal(SM90_MQA_INSTANCES.length, 32);
console.log('sm90 indexer launcher: all checks passed');
