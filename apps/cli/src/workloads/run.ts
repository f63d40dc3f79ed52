import {
  type Context,
  calcDiff,
  contracts,
  type OpName,
  type Tensor,
  tensorsIn,
  valuesOf,
} from '@gemmkit/core';
import { type AnyConformanceCase, freshView, mapTensors, moveView, seedOf } from '@gemmkit/core/conformance';

/** How the backend run is timed. `warmup: 0, iters: 1` times the first (cold) run only. */
export interface RunTiming {
  warmup: number;
  iters: number;
  /** Stop adding timed runs after this much time. */
  budgetMs: number;
}

export interface OutputCheck {
  name: string;
  calcDiff: number;
  maxAbs: number;
  elements: number;
  /** |got - ref| per element (NaN where exactly one side is non-finite), row-major, for heatmaps. */
  error: Float32Array;
  shape: readonly number[];
}

export interface CaseRun {
  op: OpName;
  backend: string;
  ok: boolean;
  failures: string[];
  outputs: OutputCheck[];
  /** Median wall time of op + sync on the backend, ms. */
  medianMs: number;
  timedRuns: number;
  flops: number;
  bytes: number;
  /** Wall time of the reference run, ms (NaN when not checked). */
  referenceMs: number;
}

type Outputs = Record<string, Tensor>;

function isTensor(v: unknown): v is Tensor {
  return v !== null && typeof v === 'object' && 'storage' in v && 'shape' in v && 'dtype' in v;
}

function select(c: AnyConformanceCase, result: unknown, args: unknown): Outputs {
  const sel = c.output ? (c.output as (r: unknown, a: unknown) => unknown)(result, args) : result;
  return isTensor(sel) ? { out: sel } : { ...(sel as Outputs) };
}

/** Args for one run on `backend`: outputs poisoned (or copied for accumulating ops), views kept. */
function place(ctx: Context, c: AnyConformanceCase, hostArgs: unknown, backend: string): unknown {
  // Same rule as the conformance harness: every `out*` argument (or the case's `outputArgs`) is an output.
  const isOutput = (path: string) =>
    c.outputArgs ? c.outputArgs.includes(path) : /^out($|[A-Z])/.test(path);
  const fresh = mapTensors(hostArgs, (t, path) =>
    isOutput(path) ? freshView(t, c.out === 'keep' ? 'copy' : 'poison') : t,
  );
  return mapTensors(fresh, (t) => moveView(ctx, t, backend));
}

/** Free what a run returned, except tensors the caller passed in (an `out` argument is reused). */
function release(result: unknown, args: unknown): void {
  const keep = new Set(tensorsIn(args).map(([, t]) => t.storage));
  const owned = isTensor(result) ? [result] : tensorsIn(result).map(([, t]) => t);
  for (const t of owned) if (!keep.has(t.storage)) t.dispose();
}

async function toHostAll(o: Outputs): Promise<Outputs> {
  const host: Outputs = {};
  for (const [k, t] of Object.entries(o)) host[k] = await t.toHost();
  return host;
}

/** Compare one output: calcDiff and max |diff| over finite pairs; non-finite values must match exactly. */
export function compareOutput(
  name: string,
  got: Tensor,
  ref: Tensor,
  c: AnyConformanceCase,
): {
  check: OutputCheck;
  failures: string[];
} {
  const failures: string[] = [];
  const x = valuesOf(got);
  const y = valuesOf(ref);
  const error = new Float32Array(x.length);
  // Finite pairs packed at the front of preallocated arrays (outputs can hold millions of elements).
  const fx = new Float64Array(x.length);
  const fy = new Float64Array(x.length);
  let nf = 0;
  let maxAbs = 0;
  let mismatch = -1;
  let nonFinite = -1;
  for (let i = 0; i < x.length; i++) {
    const xf = Number.isFinite(x[i]);
    const yf = Number.isFinite(y[i]);
    if (xf && yf) {
      const d = Math.abs(x[i] - y[i]);
      error[i] = d;
      maxAbs = Math.max(maxAbs, d);
      fx[nf] = x[i];
      fy[nf++] = y[i];
    } else {
      if (nonFinite < 0) nonFinite = i;
      const same = Object.is(x[i], y[i]) || (Number.isNaN(x[i]) && Number.isNaN(y[i]));
      error[i] = same ? 0 : Number.NaN;
      if (!same && mismatch < 0) mismatch = i;
    }
  }
  if (mismatch >= 0)
    failures.push(
      `${name}: non-finite mismatch at flat index ${mismatch}: got ${x[mismatch]}, reference ${y[mismatch]}`,
    );
  else if (nonFinite >= 0 && !c.allowNonFinite)
    failures.push(`${name}: non-finite ${x[nonFinite]} at flat index ${nonFinite} (unwritten element?)`);
  let sumSq = 0;
  for (let i = 0; i < nf; i++) sumSq += fx[i] * fx[i] + fy[i] * fy[i];
  // Both all-zero (e.g. M = 0): identical, calcDiff's 0/0 is not a failure.
  const diff = sumSq === 0 ? 0 : calcDiff(fx.subarray(0, nf), fy.subarray(0, nf));
  if (!(diff <= c.tolerance.calcDiff))
    failures.push(`${name}: calcDiff ${diff.toExponential(2)} > ${c.tolerance.calcDiff}`);
  if (c.tolerance.maxAbs !== undefined && !(maxAbs <= c.tolerance.maxAbs))
    failures.push(`${name}: max |diff| ${maxAbs} > ${c.tolerance.maxAbs}`);
  return { check: { name, calcDiff: diff, maxAbs, elements: x.length, error, shape: got.shape }, failures };
}

export type HostOutputs = Record<string, Tensor>;

/** FLOPs and bytes of a case's problem, from the op's contract. */
export function costOf(c: AnyConformanceCase, hostArgs: unknown): { flops: number; bytes: number } {
  const contract = contracts[c.op] as unknown as {
    validate(a: unknown, m: string): unknown;
    flops(p: unknown): number;
    bytes(p: unknown): number;
  };
  // 'full': host-resident index data (masked counts, expert ids) is read, so only active rows are counted.
  const plan = contract.validate(hostArgs, 'full');
  return { flops: contract.flops(plan), bytes: contract.bytes(plan) };
}

/** Run once on the reference backend; host copies of the selected outputs and the wall time. */
export async function runReference(
  ctx: Context,
  c: AnyConformanceCase,
  hostArgs: unknown,
  reference = 'cpu',
): Promise<{ outputs: HostOutputs; ms: number }> {
  const args = place(ctx, c, hostArgs, reference);
  const t0 = performance.now();
  const result = ctx.run(c.op, args as any, { backend: reference });
  await ctx.get(reference).sync();
  const ms = performance.now() - t0;
  const outputs = await toHostAll(select(c, result, args));
  if (reference !== 'cpu') release(result, args);
  return { outputs, ms };
}

/**
 * Run on `backend`: the first run's outputs (copied to the host) and the median time of op + sync.
 * With `warmup: 0` the first (cold) run is also the first timed sample.
 */
export async function runTimed(
  ctx: Context,
  c: AnyConformanceCase,
  hostArgs: unknown,
  backend: string,
  timing: RunTiming,
): Promise<{ outputs: HostOutputs; medianMs: number; timedRuns: number }> {
  const b = ctx.get(backend);
  const args = place(ctx, c, hostArgs, backend);
  const samples: number[] = [];
  const t0 = performance.now();
  const first = ctx.run(c.op, args as any, { backend });
  await b.sync();
  const coldMs = performance.now() - t0;
  const outputs = await toHostAll(select(c, first, args));
  if (timing.warmup === 0) samples.push(coldMs);
  for (let i = 1; i < timing.warmup; i++) {
    release(ctx.run(c.op, args as any, { backend }), args);
    await b.sync();
  }
  let spent = 0;
  while (samples.length < timing.iters && (samples.length === 0 || spent < timing.budgetMs)) {
    const s = performance.now();
    const r = ctx.run(c.op, args as any, { backend });
    await b.sync();
    const dt = performance.now() - s;
    release(r, args);
    samples.push(dt);
    spent += dt;
  }
  if (b.storageDevice !== 'host') {
    release(first, args);
    for (const [, t] of tensorsIn(args)) t.dispose();
  }
  samples.sort((x, y) => x - y);
  const mid = samples.length >> 1;
  const medianMs = samples.length % 2 ? samples[mid] : (samples[mid - 1] + samples[mid]) / 2;
  return { outputs, medianMs, timedRuns: samples.length };
}

/** Compare every reference output with the backend's: shapes/dtypes, then values. */
export function compareAll(
  got: HostOutputs,
  ref: HostOutputs,
  c: AnyConformanceCase,
): { failures: string[]; outputs: OutputCheck[] } {
  const failures: string[] = [];
  const outputs: OutputCheck[] = [];
  for (const [name, r] of Object.entries(ref)) {
    const g = got[name];
    if (!g) {
      failures.push(`${name}: missing from the backend's outputs`);
      continue;
    }
    if (g.dtype !== r.dtype || g.shape.join() !== r.shape.join()) {
      failures.push(`${name}: got ${g.dtype}[${g.shape}], reference ${r.dtype}[${r.shape}]`);
      continue;
    }
    const cmp = compareOutput(name, g, r, c);
    outputs.push(cmp.check);
    failures.push(...cmp.failures);
  }
  return { failures, outputs };
}

/**
 * Run a case on `backend`, time it, and (when `check`) compare it with the reference backend.
 * Errors thrown by the op (bad input) propagate: they are the caller's to report.
 */
export async function runCase(
  ctx: Context,
  c: AnyConformanceCase,
  opts: { backend: string; reference?: string; check?: boolean; seed?: number; timing: RunTiming },
): Promise<CaseRun> {
  const seed = opts.seed ?? seedOf(`${c.op}/${c.name}`);
  const hostArgs = c.build(seed);
  const { flops, bytes } = costOf(c, hostArgs);
  const ref =
    opts.check !== false ? await runReference(ctx, c, hostArgs, opts.reference ?? 'cpu') : undefined;
  const got = await runTimed(ctx, c, hostArgs, opts.backend, opts.timing);
  const cmp = ref ? compareAll(got.outputs, ref.outputs, c) : { failures: [], outputs: [] };
  return {
    op: c.op,
    backend: opts.backend,
    ok: cmp.failures.length === 0,
    failures: cmp.failures,
    outputs: cmp.outputs,
    medianMs: got.medianMs,
    timedRuns: got.timedRuns,
    flops,
    bytes,
    referenceMs: ref?.ms ?? Number.NaN,
  };
}
