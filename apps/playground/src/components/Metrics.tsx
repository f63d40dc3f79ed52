import type { RunReport } from '../engine/execute.js';

function ms(x: number): string {
  if (!Number.isFinite(x)) return '–';
  return x < 1
    ? `${(x * 1000).toFixed(1)} µs`
    : x < 1000
      ? `${x.toFixed(2)} ms`
      : `${(x / 1000).toFixed(2)} s`;
}

function rate(x: number): string {
  if (!Number.isFinite(x)) return '–';
  if (x === 0) return '0';
  return x >= 100 ? x.toFixed(0) : x >= 0.001 ? String(Number(x.toPrecision(3))) : x.toExponential(2);
}

function Card(props: { label: string; value: string; hint?: string; id: string; tone?: string }) {
  return (
    <div class={`metric ${props.tone ?? ''}`} data-testid={`metric-${props.id}`}>
      <div class="label">{props.label}</div>
      <div class="value">{props.value}</div>
      {props.hint && <div class="hint">{props.hint}</div>}
    </div>
  );
}

/** The verdict line and the numbers of the last run. */
export function Metrics(props: {
  status: { kind: string; what?: string; code?: string; message?: string };
  report?: RunReport;
  stale: boolean;
}) {
  const { status, report } = props;
  const diff = report ? Math.max(0, ...report.outputs.map((o) => o.calcDiff)) : Number.NaN;
  const maxAbs = report ? Math.max(0, ...report.outputs.map((o) => o.maxAbs)) : Number.NaN;
  let verdict = <span class="badge idle">ready</span>;
  if (status.kind === 'running') verdict = <span class="badge running">running {status.what}…</span>;
  else if (status.kind === 'error')
    verdict = (
      <span class="badge fail" data-testid="error">
        {status.code ? `${status.code}: ` : ''}
        {status.message}
      </span>
    );
  else if (report)
    verdict = report.ok ? <span class="badge pass">PASS</span> : <span class="badge fail">FAIL</span>;
  return (
    <div class="card summary">
      <div class="summary-head">
        <div data-testid="status">{verdict}</div>
        {report && (
          <div class={`muted ${props.stale ? 'stale' : ''}`}>
            {report.op} · {report.shape} · {report.backend} ({report.device})
          </div>
        )}
      </div>
      {report && !report.ok && (
        <ul class="failures">
          {report.failures.slice(0, 5).map((f) => (
            <li key={f}>{f}</li>
          ))}
        </ul>
      )}
      <div class="metrics">
        <Card
          id="calcdiff"
          label="calcDiff vs CPU"
          value={report ? diff.toExponential(2) : '–'}
          hint="1 − 2Σxy/Σ(x²+y²)"
          tone={report ? (report.ok ? 'good' : 'bad') : ''}
        />
        <Card id="maxabs" label="max |error|" value={report ? maxAbs.toExponential(2) : '–'} />
        <Card
          id="time"
          label="time (median)"
          value={report ? ms(report.medianMs) : '–'}
          hint={report ? `${report.timedRuns} timed run(s)` : undefined}
        />
        <Card id="tflops" label="TFLOP/s" value={report ? rate(report.tflops) : '–'} />
        <Card id="gbps" label="GB/s" value={report ? rate(report.gbps) : '–'} />
        <Card
          id="roof"
          label="of roofline"
          value={report?.fraction !== undefined ? `${(report.fraction * 100).toFixed(1)}%` : '–'}
          hint={report?.ceiling?.source ?? (report ? 'no datasheet ceiling' : undefined)}
        />
      </div>
    </div>
  );
}
