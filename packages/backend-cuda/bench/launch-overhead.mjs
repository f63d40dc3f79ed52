#!/usr/bin/env node
// JS-side host cost of one `gk.run(op, args)` on the CUDA backend, measured against the FAKE driver
// (test/fixtures/fake-cuda.c: libcuda + cuBLASLt stand-ins whose entry points return at once), so what is
// timed is gemmkit's own work per call: context dispatch, validation, allocation, argument packing, plans
// and descriptors, plus the koffi calls themselves. Same five workloads as scripts/gpu-tier-launch.mjs.
//
//   node packages/backend-cuda/bench/source.mjs launch-overhead.mjs [options]   (TypeScript sources)
//   node packages/backend-cuda/bench/launch-overhead.mjs [options]              (built dist/)
//     --ops a,b          only these ops (default: all five)
//     --calls N          calls per batch (default 2000); --batches N (default 15)
//     --validate fast|full  (default fast)
//     --real             use the real libcuda / cuBLASLt (on a GPU host) instead of the fake
//     --json FILE        write the rows as JSON
//     --no-fixed         skip the fixed-cost rows (one FFI call, a bare launch, an allocation, the cache hits)
//   Profile one op:  NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' node packages/backend-cuda/bench/source.mjs \
//     launch-overhead.mjs --ops quantPerTokenFp8 --batches 40
//   then  node packages/backend-cuda/bench/profile-summary.mjs /tmp/prof/<largest>.cpuprofile
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cuda, cudaRuntimeOf } from '@gemmkit/backend-cuda';
import { createContext, randn, Tensor, tensorFrom } from '@gemmkit/core';

const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const CALLS = Number(opt('--calls', 2000));
const BATCHES = Number(opt('--batches', 15));
const VALIDATE = opt('--validate', 'fast');
const REAL = argv.includes('--real');
const ONLY = opt('--ops', '')
  .split(',')
  .filter((s) => s);
const JSON_OUT = opt('--json', undefined);

/** packages/backend-cuda, found upwards from this file (it also runs bundled from .cache/bench/). */
function packageRoot() {
  for (let d = dirname(fileURLToPath(import.meta.url)); d !== dirname(d); d = dirname(d)) {
    const p = join(d, 'package.json');
    if (existsSync(p) && JSON.parse(readFileSync(p, 'utf8')).name === '@gemmkit/backend-cuda') return d;
  }
  throw new Error('packages/backend-cuda not found above the bench script');
}
const ROOT = REAL ? null : packageRoot(); // --real also runs from the GPU bundle's app/ (no package above)

/** Build the fake libcuda once per source version (gcc), cached in the temp dir. */
function fakeDriver() {
  const src = join(ROOT, 'test', 'fixtures', 'fake-cuda.c');
  const text = readFileSync(src);
  const lib = join(
    tmpdir(),
    `gk-fakecuda-${createHash('sha256').update(text).digest('hex').slice(0, 12)}`,
    'libfakecuda.so',
  );
  if (!existsSync(lib)) {
    mkdirSync(dirname(lib), { recursive: true });
    execFileSync('gcc', ['-shared', '-fPIC', '-O1', '-o', lib, src]);
  }
  return lib;
}

const WORKLOADS = [
  {
    op: 'bmmFp16',
    name: 'bmmFp16 bf16 1x64x64x64',
    make: () => ({ a: randn('bf16', [1, 64, 64], 1), b: randn('bf16', [1, 64, 64], 2), outDtype: 'bf16' }),
    transposed: ['b'],
  },
  {
    op: 'mmFp8',
    name: 'mmFp8 e4m3 64x64x64',
    make: () => ({ a: randn('e4m3', [64, 64], 3), b: randn('e4m3', [64, 64], 4), outDtype: 'bf16' }),
    transposed: ['b'],
  },
  {
    op: 'gemmFp8NtGroupwise',
    name: 'gemmFp8NtGroupwise 64x256x256 (sm90 path)',
    make: () => ({
      a: randn('e4m3', [64, 256], 5),
      b: randn('e4m3', [256, 256], 6),
      aScale: tensorFrom('f32', [64, 2], new Float64Array(128).fill(0.01)),
      bScale: tensorFrom('f32', [2, 2], new Float64Array(4).fill(0.02)),
      outDtype: 'bf16',
    }),
    transposed: [],
  },
  {
    op: 'quantPerTokenFp8',
    given: (r) => ({ out: r.data, outScale: r.scale.tensor }),
    name: 'quantPerTokenFp8 bf16 64x256',
    make: () => ({ x: randn('bf16', [64, 256], 7) }),
    transposed: [],
  },
  {
    op: 'moePermute',
    name: 'moePermute bf16 64x128',
    make: () => ({
      x: randn('bf16', [32, 128], 8),
      tokenOf: tensorFrom(
        'i32',
        [64],
        Array.from({ length: 64 }, (_, i) => (i % 3 === 2 ? -1 : i % 32)),
      ),
    }),
    transposed: [],
  },
].filter((w) => ONLY.length === 0 || ONLY.includes(w.op));

const median = (v) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];

const lib = REAL ? undefined : fakeDriver();
const env = REAL
  ? process.env
  : {
      ...process.env,
      GEMMKIT_CUDA_DRIVER: lib,
      GEMMKIT_CUBLASLT: lib,
      GEMMKIT_NVRTC: '/nonexistent/libnvrtc.so', // the fake has no NVRTC: kernels compile through nvcc (disk-cached)
    };
if (ROOT) env.GEMMKIT_CUDA_KERNELS ??= join(ROOT, 'kernels');
const gk = await createContext({ backends: [cuda({ env })], validate: VALIDATE });
const be = gk.get('cuda');
const rt = cudaRuntimeOf(be);
const rows = [];
console.log(
  `${REAL ? rt.device.name : 'fake driver'}, validate=${VALIDATE}, ${CALLS} calls x ${BATCHES} batches`,
);
for (const w of WORKLOADS) {
  const raw = w.make();
  const args = {};
  for (const [k, v] of Object.entries(raw)) {
    const moved = v instanceof Tensor ? gk.to(v) : v;
    // Moving a view copies it densely: transposed operands are moved first and viewed on the device.
    args[k] = w.transposed.includes(k) ? moved.transpose(-2, -1) : moved;
  }
  const first = gk.run(w.op, args);
  const outs = w.given ? w.given(first) : first instanceof Tensor ? { out: first } : undefined;
  for (const withOut of outs ? [true, false] : [false]) {
    const callArgs = withOut ? { ...args, ...outs } : args;
    const loop = (n) => {
      for (let i = 0; i < n; i++) {
        const r = gk.run(w.op, callArgs);
        if (!withOut) {
          if (r instanceof Tensor) r.dispose();
          else if (r?.data instanceof Tensor) {
            r.data.dispose();
            r.scale.tensor.dispose();
          }
        }
      }
    };
    loop(Math.min(CALLS, 500)); // warm-up: JIT compile, plan caches, V8 tiering
    await be.sync();
    const allocsBefore = rt.allocator.stats.deviceAllocs;
    const perCall = [];
    const cpuPerCall = [];
    for (let b = 0; b < BATCHES; b++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      loop(CALLS);
      perCall.push(((performance.now() - t0) * 1000) / CALLS);
      const c = process.cpuUsage(c0);
      cpuPerCall.push((c.user + c.system) / CALLS);
      await be.sync();
    }
    const row = {
      op: w.op,
      workload: w.name,
      validate: VALIDATE,
      out: withOut ? 'given' : 'allocated',
      medianUs: median(perCall),
      minUs: Math.min(...perCall),
      // CPU time of the process per call: steadier than wall time on a shared, loaded machine.
      cpuMedianUs: median(cpuPerCall),
      deviceAllocsPerCall: (rt.allocator.stats.deviceAllocs - allocsBefore) / (CALLS * BATCHES),
    };
    rows.push(row);
    console.log(
      `${row.medianUs.toFixed(2).padStart(7)} µs/call (min ${row.minUs.toFixed(2).padStart(6)}, cpu ${row.cpuMedianUs.toFixed(2).padStart(6)})  out=${row.out.padEnd(9)}  cuMemAlloc/call ${row.deviceAllocsPerCall.toFixed(3)}  ${w.name}`,
    );
  }
}
if (!argv.includes('--no-fixed')) {
  // The pieces every op call is made of, each on its own (same batches, CPU time per call).
  const noop = rt.getKernel({
    source:
      'extern "C" __global__ void gk_bench_noop(const void* x, int a, int b, const void* y, int c, void* o, unsigned* s) {}',
    name: 'gk_bench_noop',
  });
  const x = be.empty('bf16', [64, 128]);
  const o = be.empty('bf16', [64, 128]);
  const launchArgs = {
    grid: [64],
    block: [128],
    args: [x, { i32: 256 }, { i32: 32 }, o, { i32: 64 }, o, 0n],
  };
  const mapOpts = { tensor: x, box: [64, 64], swizzle: '128B' };
  const spec = { file: 'moe_ops.cu', name: 'gk_moe_gather', defines: {} };
  // cuBLASLt's own host cost: the runtime's GEMM with a cached plan (plan key + one cublasLtMatmul), no op layer.
  const ltArgs = {
    op: 'bmmFp16',
    batch: 1,
    m: 64,
    n: 64,
    k: 64,
    a: { ptr: rt.tensorAddress(x, 'x'), dtype: 'bf16', strides: [4096, 64, 1] },
    b: { ptr: rt.tensorAddress(x, 'x'), dtype: 'bf16', strides: [4096, 1, 64] },
    out: { ptr: rt.tensorAddress(o, 'o'), dtype: 'bf16' },
    stream: rt.ffiStream,
  };
  const fixed = {
    'FFI round trip (cuStreamQuery)': () => rt.driver.streamQuery(rt.stream),
    'kernel.launch, 7 args (no-op kernel)': () => noop.launch(launchArgs),
    'allocator allocate + free (cache hit)': () => rt.allocator.free(rt.allocator.allocate(16384)),
    'backend.empty + dispose (Tensor + CudaStorage)': () => be.empty('bf16', [64, 128]).dispose(),
    'rt.tensorMap (cache hit)': () => rt.tensorMap(mapOpts),
    'rt.getKernel (cache hit)': () => rt.getKernel({ ...spec }),
    'rt.blas.run bf16 1x64x64x64 (cached plan, one cublasLtMatmul)': () => rt.blas.run(ltArgs),
  };
  console.log('fixed costs:');
  for (const [name, f] of Object.entries(fixed)) {
    for (let i = 0; i < 1000; i++) f();
    await be.sync();
    const cpuPerCall = [];
    for (let b = 0; b < BATCHES; b++) {
      const c0 = process.cpuUsage();
      for (let i = 0; i < CALLS; i++) f();
      const c = process.cpuUsage(c0);
      cpuPerCall.push((c.user + c.system) / CALLS);
      await be.sync();
    }
    const row = { op: 'fixed', workload: name, cpuMedianUs: median(cpuPerCall) };
    rows.push(row);
    console.log(`${row.cpuMedianUs.toFixed(2).padStart(7)} µs/call (cpu)  ${name}`);
  }
}
await gk.dispose();
if (JSON_OUT)
  writeFileSync(
    JSON_OUT,
    JSON.stringify({ suite: 'launch-overhead-js', driver: REAL ? 'real' : 'fake', rows }, null, 2),
  );
