import type { Ceiling, Precision } from '@gemmkit/cli/workloads';
import { useMemo } from 'preact/hooks';
import type uPlot from 'uplot';
import type { RunReport, SweepPoint } from '../engine/execute.js';
import { UPlotChart } from './UPlotChart.js';

function si(v: number): string {
  if (!Number.isFinite(v) || v <= 0) return '';
  const units: Array<[number, string]> = [
    [1e3, 'P'],
    [1, 'T'],
    [1e-3, 'G'],
    [1e-6, 'M'],
    [1e-9, 'K'],
  ];
  for (const [s, u] of units) if (v >= s) return `${Number((v / s).toPrecision(3))}${u}`;
  return v.toExponential(0);
}

/** An empirical roofline when no datasheet covers the device: the best throughput and bandwidth seen. */
export function empiricalCeiling(points: SweepPoint[], run?: RunReport): Ceiling | undefined {
  const all = [...points, ...(run ? [{ tflops: run.tflops, gbps: run.gbps }] : [])];
  if (!all.length) return undefined;
  const t = Math.max(...all.map((p) => p.tflops));
  const g = Math.max(...all.map((p) => p.gbps));
  return {
    source: 'empirical: best seen on this device',
    gbps: g,
    tflops: { fp4: t, fp8: t, fp16: t, f32: t },
  };
}

/** Roofline: attainable TFLOP/s vs arithmetic intensity (log-log), the run and the sweep placed under it. */
export function Roofline(props: {
  run?: RunReport;
  sweep: SweepPoint[];
  ceiling?: Ceiling;
  precision: Precision;
}) {
  const { run, sweep, ceiling, precision } = props;
  const model = useMemo(() => {
    const roof = ceiling ?? empiricalCeiling(sweep, run);
    if (!roof) return undefined;
    const peak = roof.tflops[precision];
    const bw = roof.gbps / 1e3; // TB/s → TFLOP/s per FLOP/byte
    const ais = [
      ...sweep.map((p) => p.intensity),
      ...(run ? [run.flops / Math.max(run.bytes, 1)] : []),
    ].filter((x) => x > 0);
    const ridge = peak / bw;
    const lo = Math.min(ridge / 100, ...ais) / 2;
    const hi = Math.max(ridge * 20, ...ais) * 2;
    const xs = new Set<number>();
    for (let i = 0; i <= 48; i++) xs.add(lo * (hi / lo) ** (i / 48));
    xs.add(ridge);
    for (const a of ais) xs.add(a);
    const x = [...xs].sort((a, b) => a - b);
    const at = (a: number, v: number) =>
      Math.abs(a - (run ? run.flops / Math.max(run.bytes, 1) : -1)) < 1e-12 * a ? v : null;
    const data: uPlot.AlignedData = [
      x,
      x.map((a) => Math.min(peak, a * bw)),
      x.map((a) => (run ? at(a, run.tflops) : null)),
      x.map((a) => sweep.find((p) => Math.abs(p.intensity - a) < 1e-12 * a)?.tflops ?? null),
    ];
    const options: Omit<uPlot.Options, 'width'> = {
      height: 230,
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false, distr: 3 }, y: { distr: 3 } },
      axes: [
        {
          label: 'FLOP / byte',
          values: (_u, v) =>
            v.map((t) => (t == null ? '' : t >= 1 ? String(Number(t.toPrecision(2))) : t.toExponential(0))),
        },
        { label: 'FLOP/s', size: 56, values: (_u, v) => v.map((t) => (t == null ? '' : si(t))) },
      ],
      series: [
        {},
        {
          label: 'roof',
          stroke: '#94a3b8',
          width: 2,
          dash: [6, 4],
          points: { show: false },
        },
        {
          label: 'this run',
          stroke: '#e11d48',
          fill: '#e11d48',
          paths: () => null,
          points: { show: true, size: 12, fill: '#e11d48' },
        },
        {
          label: 'sweep',
          stroke: '#2563eb',
          paths: () => null,
          points: { show: true, size: 7, fill: '#2563eb' },
        },
      ],
    };
    return { data, options, roof };
  }, [run, sweep, ceiling, precision]);
  if (!model) return <div class="placeholder">Run an op to place it under the device's roofline.</div>;
  return (
    <>
      <UPlotChart options={model.options} data={model.data} testId="roofline" />
      <div class="muted small">
        ceilings: {model.roof.source} · peak {si(model.roof.tflops[precision])}FLOP/s ({precision}),{' '}
        {Number(model.roof.gbps.toPrecision(3))} GB/s
      </div>
    </>
  );
}

/** Throughput vs the sweep parameter. */
export function SweepChart(props: { points: SweepPoint[]; label: string; zeroFlop: boolean }) {
  const { points, label, zeroFlop } = props;
  const model = useMemo(() => {
    const data: uPlot.AlignedData = [
      points.map((p) => p.x),
      points.map((p) => (zeroFlop ? p.gbps / 1e3 : p.tflops)),
    ];
    const options: Omit<uPlot.Options, 'width'> = {
      height: 230,
      scales: { x: { time: false, distr: 3, log: 2 } },
      legend: { show: false },
      axes: [
        { label, values: (_u, v) => v.map((t) => (t == null ? '' : String(t))) },
        {
          // Same SI ticks as the roofline (values are TFLOP/s or TB/s → 1T, 10G, ...).
          label: zeroFlop ? 'B/s' : 'FLOP/s',
          size: 56,
          values: (_u, v) => v.map((t) => (t == null ? '' : si(t))),
        },
      ],
      series: [
        {},
        {
          label: zeroFlop ? 'GB/s' : 'TFLOP/s',
          stroke: '#2563eb',
          width: 2,
          points: { show: true, size: 7 },
        },
      ],
    };
    return { data, options };
  }, [points, label, zeroFlop]);
  if (!points.length)
    return (
      <div class="placeholder">“Sweep” times the op at {label} = 1, 2, 4 … up to the current value.</div>
    );
  return <UPlotChart options={model.options} data={model.data} testId="sweep-chart" />;
}
