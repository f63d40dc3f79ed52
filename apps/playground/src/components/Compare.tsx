import type { BackendName } from '../engine/engine.js';
import type { RunReport } from '../engine/execute.js';

export type Comparison = Array<{ backend: BackendName; report?: RunReport; error?: string }>;

function ms(x: number): string {
  return x < 1
    ? `${(x * 1000).toFixed(1)} µs`
    : x < 1000
      ? `${x.toFixed(2)} ms`
      : `${(x / 1000).toFixed(2)} s`;
}

/** One row per backend for the same problem: time, throughput, agreement with the CPU reference. */
export function Compare(props: { rows: Comparison }) {
  const times = props.rows.flatMap((r) => (r.report ? [r.report.medianMs] : []));
  const best = Math.min(...times);
  return (
    <div class="card details" data-testid="compare">
      <h3>Backends compared (same inputs, one CPU reference)</h3>
      <table class="compare">
        <thead>
          <tr>
            <th>backend</th>
            <th>device</th>
            <th>time</th>
            <th>speed</th>
            <th>TFLOP/s</th>
            <th>GB/s</th>
            <th>calcDiff</th>
            <th>result</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map(({ backend, report: r, error }) => (
            <tr key={backend} data-testid={`compare-${backend}`}>
              <td>{backend}</td>
              <td>{r?.device ?? '–'}</td>
              <td>{r ? ms(r.medianMs) : '–'}</td>
              <td>
                {r ? (
                  <span class="speedbar">
                    <i style={{ width: `${Math.max(2, (100 * best) / r.medianMs)}%` }} />
                  </span>
                ) : null}
              </td>
              <td>{r ? Number(r.tflops.toPrecision(3)) : '–'}</td>
              <td>{r ? Number(r.gbps.toPrecision(3)) : '–'}</td>
              <td>{r ? Math.max(0, ...r.outputs.map((o) => o.calcDiff)).toExponential(2) : '–'}</td>
              <td>
                {r ? (
                  <span class={`badge ${r.ok ? 'pass' : 'fail'}`}>{r.ok ? 'PASS' : 'FAIL'}</span>
                ) : (
                  <span class="badge fail" title={error}>
                    {error?.split(';')[0]}
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
