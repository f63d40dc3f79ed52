import { fail, OP_NAMES, type OpName } from '@gemmkit/core';
import pc from 'picocolors';
import { type Ceiling, ceilingFor, rooflineFraction } from '../bench/ceilings.js';
import { EXIT } from '../errors.js';
import { toCsv } from '../report/csv.js';
import { fmtDiff, fmtMs, fmtPct, fmtRate } from '../report/format.js';
import { plotSvg, writePlot } from '../report/plot-svg.js';
import { makeProgress } from '../report/progress.js';
import { makeTable } from '../report/table.js';
import { openSession } from '../session.js';
import {
  type Params,
  PRESETS,
  parseAssignments,
  resolveParams,
  runCase,
  SIZE_PRESETS,
  type SizePreset,
  workloadOf,
} from '../workloads/index.js';

export interface BenchOptions {
  backend?: string;
  size?: string;
  sizes?: string;
  set?: string[];
  iters?: string;
  warmup?: string;
  check?: boolean;
  json?: string | boolean;
  csv?: string | boolean;
  plot?: string;
  progress?: boolean;
}

/** One measured point; the JSON/CSV row format (BENCH_RESULTS-style field names). */
export interface BenchRow {
  op: OpName;
  backend: string;
  device: string;
  shape: string;
  params: Params;
  x: number;
  median_us: number;
  tflops: number;
  gbps: number;
  /** Fraction of the roofline bound (min(peak, intensity x bandwidth)); null when the ceiling is unknown. */
  roofFraction: number | null;
  /** Bytes that must move / time / the device's memory bandwidth (bench/results' `bwFraction`). */
  bwFraction: number | null;
  ceiling: string | null;
  diff?: number;
  pass?: boolean;
}

/** The checked-out commit, so a results file says what was measured (null outside a git checkout). */
async function gitCommit(): Promise<string | null> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) =>
    execFile('git', ['rev-parse', 'HEAD'], { timeout: 5000 }, (err, stdout) =>
      resolve(err ? null : stdout.trim()),
    ),
  );
}

function intOpt(v: string | undefined, arg: string, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    fail('E_RANGE', 'expected an integer', { arg, expected: `integer >= ${min}`, actual: v });
  return n;
}

/** The op, fixed params and sweep of `gemmkit bench <target>` (an op name or a preset name). */
function planTarget(target: string, opts: BenchOptions) {
  const preset = PRESETS.find((p) => p.name === target);
  const op = (preset?.op ?? target) as OpName;
  if (!OP_NAMES.includes(op))
    fail('E_UNSUPPORTED', `unknown op or preset '${target}'`, {
      arg: 'target',
      expected: [...OP_NAMES, ...PRESETS.map((p) => p.name)],
      actual: target,
    });
  const w = workloadOf(op);
  // Benchmarks sweep a size: ops known only through their conformance cases have no size knob.
  if (!w?.sweep)
    fail('E_UNSUPPORTED', `op '${op}' has no sized workload to sweep`, {
      arg: 'target',
      expected: OP_NAMES.filter((o) => workloadOf(o)?.sweep),
      actual: op,
    });
  const sweep = w.sweep;
  if (opts.size !== undefined && !SIZE_PRESETS.includes(opts.size as SizePreset))
    fail('E_UNSUPPORTED', 'unknown size preset', {
      arg: '--size',
      expected: SIZE_PRESETS,
      actual: opts.size,
    });
  const size = (opts.size ?? 'small') as SizePreset;
  const sweepParams = preset ? [...preset.sweep.params] : [sweep];
  const base = { ...(preset?.params ?? {}), ...parseAssignments(opts.set ?? []) };
  let values: number[];
  if (opts.sizes !== undefined) {
    values = opts.sizes.split(',').map((s) => Number(s.trim()));
    // Throughput at size 0 is meaningless (and the plot's x axis is log2).
    if (values.some((v) => !Number.isInteger(v) || v < 1))
      fail('E_RANGE', 'sizes must be positive integers', {
        arg: '--sizes',
        expected: 'e.g. 64,128,256',
        actual: opts.sizes,
      });
  } else if (preset) values = [...preset.sweep.values];
  else {
    // Powers of two up to the preset's value of the sweep parameter.
    const top = Number(resolveParams(w, size, base)[sweep]);
    values = [];
    for (let v = top; v >= 1 && values.length < 6; v = Math.floor(v / 2)) values.unshift(v);
  }
  const points = values.map((v) => {
    const over: Record<string, string | number> = { ...base };
    for (const p of sweepParams) over[p] = v;
    return { x: v, params: resolveParams(w, size, over) };
  });
  return { op, w, preset, points, sweepLabel: sweepParams.join('=').toUpperCase() };
}

/** `gemmkit bench`: a shape sweep on one or more backends, timed, with roofline fractions and outputs. */
export async function benchCommand(
  target: string,
  opts: BenchOptions,
  out: (s: string) => void,
): Promise<number> {
  if (opts.plot !== undefined && !/\.(svg|png)$/i.test(opts.plot))
    fail('E_UNSUPPORTED', 'plot file must end in .svg or .png', {
      arg: '--plot',
      expected: '*.svg | *.png',
      actual: opts.plot,
    });
  const { op, w, preset, points, sweepLabel } = planTarget(target, opts);
  const iters = intOpt(opts.iters, '--iters', 10, 1);
  const warmup = intOpt(opts.warmup, '--warmup', 2, 0);
  const { gk, backends, reference } = await openSession(opts.backend);
  const quiet = opts.json === true || opts.csv === true;
  const rows: BenchRow[] = [];
  const skipped: string[] = [];
  const devices: Record<string, { device: string; arch: string; ceiling: Ceiling | null }> = {};
  let failed = 0;
  try {
    const progress = makeProgress(opts.progress !== false && !quiet);
    progress.start(points.length * backends.length, '');
    let done = 0;
    // Named backends must all have the op; with `all`/`auto`, backends without a kernel are left out.
    const named = opts.backend !== undefined && !['all', 'auto', ''].includes(opts.backend);
    for (const name of backends) {
      const caps = gk.get(name).capabilities;
      if (!caps.ops.includes(op)) {
        if (named || backends.length === 1)
          fail('E_UNSUPPORTED', `op '${op}' has no kernel on backend '${name}'`, {
            arg: '--backend',
            actual: name,
          });
        skipped.push(name);
        continue;
      }
      const ceiling = ceilingFor(name, caps);
      devices[name] = { device: caps.device, arch: caps.arch, ceiling: ceiling ?? null };
      for (const pt of points) {
        progress.update(done++, `${name} ${w.describe(pt.params)}`);
        const c = w.make(pt.params);
        const r = await runCase(gk, c as any, {
          backend: name,
          reference,
          check: opts.check === true,
          timing: { warmup, iters, budgetMs: 3000 },
        });
        const s = r.medianMs * 1e-3;
        const row: BenchRow = {
          op,
          backend: name,
          device: caps.device,
          shape: w.describe(pt.params),
          params: pt.params,
          x: pt.x,
          median_us: r.medianMs * 1e3,
          tflops: r.flops / s / 1e12,
          gbps: r.bytes / s / 1e9,
          roofFraction: ceiling ? rooflineFraction(r.flops, r.bytes, s, ceiling, w.precision) : null,
          bwFraction: ceiling ? r.bytes / s / 1e9 / ceiling.gbps : null,
          ceiling: ceiling?.source ?? null,
        };
        if (opts.check) {
          row.diff = Math.max(0, ...r.outputs.map((o) => o.calcDiff));
          row.pass = r.ok;
          if (!r.ok) failed++;
        }
        rows.push(row);
      }
    }
    progress.stop();
  } finally {
    await gk.dispose();
  }

  const { writeFile } = await import('node:fs/promises');
  if (opts.json !== undefined && opts.json !== false) {
    const doc = JSON.stringify(
      {
        suite: preset?.name ?? op,
        op,
        date: new Date().toISOString(),
        commit: await gitCommit(),
        devices,
        results: rows,
      },
      null,
      2,
    );
    if (opts.json === true || opts.json === '-') out(doc);
    else await writeFile(opts.json, `${doc}\n`);
  }
  if (opts.csv !== undefined && opts.csv !== false) {
    const csv = toCsv(rows.map(({ params, ...r }) => ({ ...r, ...params })));
    if (opts.csv === true || opts.csv === '-') out(csv);
    else await writeFile(opts.csv, csv);
  }
  if (opts.plot) {
    const zeroFlop = rows.every((r) => r.tflops === 0);
    // Software backends run at GFLOP/s: pick the unit that gives readable tick labels.
    const giga = !zeroFlop && Math.max(...rows.map((r) => r.tflops)) < 0.1;
    const y = (r: BenchRow) => (zeroFlop ? r.gbps : giga ? r.tflops * 1e3 : r.tflops);
    const series = backends
      .filter((b) => !skipped.includes(b))
      .map((b) => {
        const mine = rows.filter((r) => r.backend === b);
        const device = mine[0]?.device ?? '?';
        return {
          name: `${b}: ${device.length > 40 ? `${device.slice(0, 39)}…` : device}`,
          points: mine.map((r) => [r.x, y(r)] as const),
        };
      });
    const svg = plotSvg({
      title: preset?.title ?? `${op}: ${w.title}`,
      subtitle: `${rows.at(-1)?.shape ?? ''}, sweeping ${sweepLabel}; median of ≤${iters} runs after ${warmup} warm-up`,
      xLabel: sweepLabel,
      yLabel: zeroFlop ? 'GB/s' : giga ? 'GFLOP/s' : 'TFLOP/s',
      series,
      logX: true,
    });
    await writePlot(opts.plot, svg);
  }
  if (!quiet) {
    const t = makeTable([
      'backend',
      'shape',
      'median',
      'TFLOP/s',
      'GB/s',
      '% roof',
      ...(opts.check ? ['calcDiff'] : []),
    ]);
    for (const r of rows)
      t.push([
        r.backend,
        r.shape,
        fmtMs(r.median_us / 1e3),
        fmtRate(r.tflops),
        fmtRate(r.gbps),
        fmtPct(r.roofFraction ?? undefined),
        ...(opts.check ? [r.pass ? fmtDiff(r.diff ?? 0) : pc.red(fmtDiff(r.diff ?? Number.NaN))] : []),
      ]);
    out(t.toString());
    if (skipped.length) out(`left out (no ${op} kernel): ${skipped.join(', ')}`);
    if (opts.plot) out(`plot written to ${opts.plot}`);
  }
  return failed ? EXIT.failed : EXIT.ok;
}
