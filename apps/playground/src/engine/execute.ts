import {
  type Ceiling,
  compareAll,
  type OutputCheck,
  type Params,
  rooflineFraction,
  workloadOf,
} from '@gemmkit/cli/workloads';
import type { OpName } from '@gemmkit/core';
import type { AnyConformanceCase } from '@gemmkit/core/conformance';
import type { BackendName, Engine } from './engine.js';
import type { RunSpec } from './protocol.js';
import { fromWire, type WireOutputs } from './wire.js';

export interface RunReport {
  op: OpName;
  backend: BackendName;
  shape: string;
  device: string;
  ok: boolean;
  failures: string[];
  outputs: OutputCheck[];
  medianMs: number;
  timedRuns: number;
  referenceMs: number;
  flops: number;
  bytes: number;
  tflops: number;
  gbps: number;
  ceiling?: Ceiling;
  fraction?: number;
}

export interface SweepPoint {
  x: number;
  tflops: number;
  gbps: number;
  intensity: number;
  medianMs: number;
}

/** Timing per backend: CPU runs are slow (the cold run counts, at most 3); GPUs get warm-up and a median. */
export function timingFor(backend: BackendName) {
  return backend === 'cpu' ? { warmup: 0, iters: 3, budgetMs: 600 } : { warmup: 2, iters: 7, budgetMs: 1500 };
}

function caseOf(op: OpName, params: Params): AnyConformanceCase {
  const w = workloadOf(op);
  if (!w) throw new Error(`no workload for ${op}`);
  return w.make(params) as AnyConformanceCase;
}

/** Run on the backend, then the CPU reference; compare and rate against the roofline. */
export async function execute(
  engine: Engine,
  backend: BackendName,
  op: OpName,
  params: Params,
  seed: number,
  ceiling: Ceiling | undefined,
  reference?: { outputs: WireOutputs; ms: number },
): Promise<RunReport> {
  const w = workloadOf(op)!;
  const c = caseOf(op, params);
  const spec: RunSpec = { op, params, seed, timing: timingFor(backend) };
  // One after the other: a reference computed alongside would compete for the CPU and skew the timing.
  const got = await engine.run(backend, spec);
  const ref = reference ?? (await engine.reference(spec));
  const { flops, bytes } = got;
  const cmp = compareAll(fromWire(got.outputs), fromWire(ref.outputs), c);
  const s = got.medianMs / 1e3;
  return {
    op,
    backend,
    shape: w.describe(params),
    device: got.device,
    ok: cmp.failures.length === 0,
    failures: cmp.failures,
    outputs: cmp.outputs,
    medianMs: got.medianMs,
    timedRuns: got.timedRuns,
    referenceMs: ref.ms,
    flops,
    bytes,
    tflops: flops / s / 1e12,
    gbps: bytes / s / 1e9,
    ceiling,
    fraction: ceiling ? rooflineFraction(flops, bytes, s, ceiling, w.precision) : undefined,
  };
}

/** Throughput vs the sweep parameter (powers of two up to the current value), timed only. */
export async function sweep(
  engine: Engine,
  backend: BackendName,
  op: OpName,
  params: Params,
  seed: number,
  onPoint: (p: SweepPoint) => void,
): Promise<SweepPoint[]> {
  const w = workloadOf(op)!;
  const knob = w.sweep;
  if (!knob) throw new Error(`${op} has no size knob to sweep`);
  const top = Number(params[knob]);
  const xs: number[] = [];
  for (let v = top; v >= 1 && xs.length < 7; v = Math.floor(v / 2)) xs.unshift(v);
  const points: SweepPoint[] = [];
  for (const x of xs) {
    const p = { ...params, [knob]: x };
    const r = await engine.run(backend, { op, params: p, seed, timing: timingFor(backend) });
    const { flops, bytes } = r;
    const s = r.medianMs / 1e3;
    const pt = {
      x,
      tflops: flops / s / 1e12,
      gbps: bytes / s / 1e9,
      intensity: flops / Math.max(bytes, 1),
      medianMs: r.medianMs,
    };
    points.push(pt);
    onPoint(pt);
  }
  return points;
}

/**
 * The same problem (same seed, so the same inputs) on each backend, each checked against one CPU reference.
 * A backend that fails to run yields a report-less entry with its error.
 */
export async function compareBackends(
  engine: Engine,
  backends: Array<{ name: BackendName; ceiling: Ceiling | undefined }>,
  op: OpName,
  params: Params,
  seed: number,
): Promise<Array<{ backend: BackendName; report?: RunReport; error?: string }>> {
  const ref = await engine.reference({ op, params, seed, timing: timingFor('cpu') });
  const out: Array<{ backend: BackendName; report?: RunReport; error?: string }> = [];
  for (const b of backends) {
    try {
      out.push({ backend: b.name, report: await execute(engine, b.name, op, params, seed, b.ceiling, ref) });
    } catch (e) {
      if ((e as { code?: string }).code === 'CANCELLED') throw e;
      out.push({ backend: b.name, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return out;
}
