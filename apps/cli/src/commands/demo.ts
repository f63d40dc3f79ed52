import { fail, type OpName } from '@gemmkit/core';
import pc from 'picocolors';
import { ceilingFor, rooflineFraction } from '../bench/ceilings.js';
import { EXIT } from '../errors.js';
import { fmtDiff, fmtMs, fmtPct, fmtRate } from '../report/format.js';
import { makeProgress } from '../report/progress.js';
import { makeTable } from '../report/table.js';
import { openSession } from '../session.js';
import { demoCase, runCase, SIZE_PRESETS, type SizePreset, workloadOf } from '../workloads/index.js';
import { selectOps } from './select.js';

export interface DemoOptions {
  backend?: string;
  size?: string;
  op?: string;
  json?: boolean;
  progress?: boolean;
}

interface DemoRow {
  op: OpName;
  shape: string;
  status: 'pass' | 'fail' | 'skip';
  detail?: string;
  medianMs?: number;
  tflops?: number;
  gbps?: number;
  fraction?: number;
  calcDiff?: number;
  maxAbs?: number;
}

/**
 * Sizes that keep the whole demo near a minute. The CPU reference checks every op, so it sets the pace
 * everywhere ('medium' is ~40 s of reference work on a laptop core); a software WebGPU adapter
 * (lavapipe, SwiftShader) runs its kernels on the CPU too, so it gets 'small'.
 */
function defaultSize(backend: string, device: string): SizePreset {
  return isSoftwareAdapter(backend, device) ? 'small' : 'medium';
}

function isSoftwareAdapter(backend: string, device: string): boolean {
  return backend === 'webgpu' && /swiftshader|llvmpipe|lavapipe|software/i.test(device);
}

/** `gemmkit demo`: every op on the best backend, verified against the CPU reference. */
export async function demoCommand(opts: DemoOptions, out: (s: string) => void): Promise<number> {
  if (opts.size !== undefined && !SIZE_PRESETS.includes(opts.size as SizePreset))
    fail('E_UNSUPPORTED', 'unknown size preset', {
      arg: '--size',
      expected: SIZE_PRESETS,
      actual: opts.size,
    });
  const ops = selectOps(opts.op);
  const { gk, backends, reference } = await openSession(opts.backend);
  try {
    const name = backends[0];
    const backend = gk.get(name);
    const caps = backend.capabilities;
    const size = (opts.size as SizePreset | undefined) ?? defaultSize(name, caps.device);
    const ceiling = ceilingFor(name, caps);
    // CPU: the one (cold) run is the time. Software GPU adapters: a short median. GPUs: warm, then 10 runs.
    const software = isSoftwareAdapter(name, caps.device);
    const timing =
      name === 'cpu'
        ? { warmup: 0, iters: 1, budgetMs: 0 }
        : software
          ? { warmup: 1, iters: 3, budgetMs: 500 }
          : { warmup: 2, iters: 10, budgetMs: 1500 };
    if (!opts.json)
      out(
        `gemmkit demo on ${pc.bold(name)} (${caps.device}, ${caps.arch}), size '${size}', reference '${reference}'`,
      );
    const progress = makeProgress(opts.progress !== false && !opts.json);
    const rows: DemoRow[] = [];
    const t0 = performance.now();
    progress.start(ops.length, ops[0] ?? '');
    for (const [i, op] of ops.entries()) {
      progress.update(i, op);
      if (!caps.ops.includes(op)) {
        rows.push({ op, shape: '-', status: 'skip', detail: `no kernel on ${name}` });
        continue;
      }
      const dc = demoCase(op, size);
      if (!dc) {
        rows.push({ op, shape: '-', status: 'skip', detail: 'no workload or conformance case' });
        continue;
      }
      try {
        const r = await runCase(gk, dc.case, { backend: name, reference, timing });
        const s = r.medianMs * 1e-3;
        const precision = workloadOf(op)?.precision ?? 'fp16';
        rows.push({
          op,
          shape: dc.shape,
          status: r.ok ? 'pass' : 'fail',
          detail: r.failures[0],
          medianMs: r.medianMs,
          tflops: r.flops / s / 1e12,
          gbps: r.bytes / s / 1e9,
          fraction: ceiling ? rooflineFraction(r.flops, r.bytes, s, ceiling, precision) : undefined,
          calcDiff: Math.max(...r.outputs.map((o) => o.calcDiff), 0),
          maxAbs: Math.max(...r.outputs.map((o) => o.maxAbs), 0),
        });
      } catch (e) {
        rows.push({ op, shape: dc.shape, status: 'fail', detail: (e as Error).message.split('\n')[0] });
      }
    }
    progress.update(ops.length, 'done');
    progress.stop();
    const seconds = (performance.now() - t0) / 1000;
    const failed = rows.filter((r) => r.status === 'fail');
    const passed = rows.filter((r) => r.status === 'pass');
    if (opts.json) {
      out(JSON.stringify({ backend: name, device: caps.device, size, seconds, ceiling, rows }, null, 2));
    } else {
      const t = makeTable(['op', 'shape', 'time', 'TFLOP/s', 'GB/s', '% roof', 'calcDiff', 'result']);
      // Skipped ops are listed once below the table, not as empty rows.
      for (const r of rows.filter((x) => x.status !== 'skip'))
        t.push([
          r.op,
          r.shape,
          fmtMs(r.medianMs ?? Number.NaN),
          fmtRate(r.tflops ?? Number.NaN),
          fmtRate(r.gbps ?? Number.NaN),
          fmtPct(r.fraction),
          fmtDiff(r.calcDiff ?? Number.NaN),
          r.status === 'pass' ? pc.green('pass') : r.status === 'skip' ? pc.yellow('skip') : pc.red('FAIL'),
        ]);
      out(t.toString());
      for (const r of rows.filter((x) => x.status === 'fail')) out(`${pc.red('FAIL')} ${r.op}: ${r.detail}`);
      // Skips grouped by reason: one line each.
      const skipped = new Map<string, string[]>();
      for (const r of rows.filter((x) => x.status === 'skip'))
        skipped.set(r.detail ?? '', [...(skipped.get(r.detail ?? '') ?? []), r.op]);
      for (const [why, list] of skipped) out(`${pc.yellow('skip')} (${why}): ${list.join(', ')}`);
      const verdict = failed.length ? pc.red(`${failed.length} failed`) : pc.green('all passed');
      out(
        `${passed.length}/${rows.length} ops passed on ${name} in ${seconds.toFixed(1)} s (${verdict}` +
          `${rows.length - passed.length - failed.length ? `, ${rows.length - passed.length - failed.length} skipped` : ''})` +
          (ceiling ? `; roofline: ${ceiling.source}` : ''),
      );
    }
    return failed.length || passed.length === 0 ? EXIT.failed : EXIT.ok;
  } finally {
    await gk.dispose();
  }
}
