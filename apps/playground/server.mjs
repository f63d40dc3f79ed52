#!/usr/bin/env node
/**
 * gemmkit playground server: runs ops on this machine's GPU through the CUDA backend and returns
 * outputs + timings to the browser (the page checks them against its CPU reference).
 *
 *   pnpm build && node apps/playground/server.mjs [--port 5199] [--backend cuda]
 *
 * The Vite dev/preview servers proxy /api to it (GEMMKIT_CUDA_SERVER overrides the address).
 * `--backend cpu|webgpu` serves another Node backend instead (handy without a GPU, and in tests).
 * Binds to 127.0.0.1 only: it runs whatever workload a page asks for.
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import { costOf, resolveParams, runTimed, workloadOf } from '@gemmkit/cli/workloads';
import { createContext, GemmkitError } from '@gemmkit/core';

const { values: opts } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.GEMMKIT_CUDA_PORT ?? '5199' },
    host: { type: 'string', default: '127.0.0.1' },
    backend: { type: 'string', default: 'cuda' },
  },
});

const FACTORIES = {
  cuda: async () => (await import('@gemmkit/backend-cuda')).cuda(),
  webgpu: async () => (await import('@gemmkit/backend-webgpu')).webgpu(),
  cpu: async () => (await import('@gemmkit/backend-cpu')).cpu(),
};
if (!(opts.backend in FACTORIES)) {
  console.error(
    `error E_DEVICE: unknown backend '${opts.backend}'; expected: ${Object.keys(FACTORIES).join(', ')}`,
  );
  process.exit(2);
}

/** One context for the server's life (JIT caches and the allocator stay warm between runs). */
let context;
async function getContext() {
  if (!context) {
    context = (async () =>
      createContext({ backends: [await FACTORIES[opts.backend]()], validate: 'full' }))();
    // A failed probe is retried on the next request (the driver may come back).
    context.catch(() => {
      context = undefined;
    });
  }
  return context;
}

async function info() {
  try {
    const gk = await getContext();
    const caps = gk.get(opts.backend).capabilities;
    return {
      available: true,
      backend: opts.backend,
      device: caps.device,
      arch: caps.arch,
      ops: caps.ops,
      features: caps.features,
    };
  } catch (e) {
    return { available: false, reason: e instanceof Error ? e.message : String(e) };
  }
}

/** Timing the browser may ask for, bounded so one request cannot hold the GPU for long. */
function clampTiming(t = {}) {
  const int = (v, lo, hi, d) => (Number.isInteger(v) ? Math.min(hi, Math.max(lo, v)) : d);
  return {
    warmup: int(t.warmup, 0, 20, 2),
    iters: int(t.iters, 1, 100, 10),
    budgetMs: int(t.budgetMs, 0, 10_000, 2000),
  };
}

async function run(body) {
  const w = workloadOf(body.op);
  if (!w)
    throw new GemmkitError('E_UNSUPPORTED', `no workload for op '${body.op}'`, {
      arg: 'op',
      actual: body.op,
    });
  const params = resolveParams(w, 'small', body.params ?? {});
  const seed = Number.isSafeInteger(body.seed) ? body.seed : 1;
  const gk = await getContext();
  const c = w.make(params);
  const args = c.build(seed);
  const r = await runTimed(gk, c, args, opts.backend, clampTiming(body.timing));
  const caps = gk.get(opts.backend).capabilities;
  const outputs = {};
  for (const [k, t] of Object.entries(r.outputs))
    outputs[k] = {
      dtype: t.dtype,
      shape: [...t.shape],
      base64: Buffer.from(t.hostBytes()).toString('base64'),
    };
  const cost = costOf(c, args);
  return {
    outputs,
    medianMs: r.medianMs,
    timedRuns: r.timedRuns,
    ...cost,
    device: caps.device,
    arch: caps.arch,
  };
}

function send(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(body);
}

async function readJson(req) {
  let size = 0;
  const chunks = [];
  for await (const c of req) {
    size += c.length;
    if (size > 1 << 20)
      throw new GemmkitError('E_RANGE', 'request body too large', { arg: 'body', expected: '<= 1 MiB' });
    chunks.push(c);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new GemmkitError('E_UNSUPPORTED', 'request body is not JSON', { arg: 'body' });
  }
}

// One run at a time: GPU timings are meaningless when two runs share the device.
let queue = Promise.resolve();
const serial = (fn) => {
  const p = queue.then(fn, fn);
  queue = p.catch(() => {});
  return p;
};

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/api/info') return send(res, 200, await serial(info));
    if (req.method === 'POST' && url.pathname === '/api/run') {
      const body = await readJson(req);
      return send(res, 200, await serial(() => run(body)));
    }
    send(res, 404, { error: { message: `no route ${req.method} ${url.pathname}` } });
  } catch (e) {
    const known = e instanceof GemmkitError;
    send(res, known ? 400 : 500, {
      error: { code: known ? e.code : undefined, message: e instanceof Error ? e.message : String(e) },
    });
  }
});

server.listen(Number(opts.port), opts.host, () => {
  const a = server.address();
  console.log(`gemmkit playground server (${opts.backend}) on http://${a.address}:${a.port}`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
