import type { RunReport } from '../engine/execute.js';

function big(x: number, unit: string): string {
  if (!Number.isFinite(x)) return '–';
  const units: Array<[number, string]> = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [s, u] of units) if (x >= s) return `${Number((x / s).toPrecision(4))} ${u}${unit}`;
  return `${x} ${unit}`;
}

/** Everything about the last run that does not fit on a card: problem size, cost model, outputs, timing. */
export function Details(props: { report?: RunReport; seed: number }) {
  const r = props.report;
  if (!r) return null;
  const rows: Array<[string, string]> = [
    ['problem', `${r.op} · ${r.shape}`],
    ['device', `${r.backend}: ${r.device}`],
    [
      'work',
      `${big(r.flops, 'FLOP')} · ${big(r.bytes, 'B')} moved · ${(r.flops / Math.max(1, r.bytes)).toFixed(2)} FLOP/B`,
    ],
    [
      'time',
      `${r.medianMs.toFixed(3)} ms median of ${r.timedRuns} · CPU reference ${r.referenceMs.toFixed(1)} ms`,
    ],
    [
      'outputs',
      r.outputs
        .map(
          (o) =>
            `${o.name} [${o.shape.join('×')}] calcDiff ${o.calcDiff.toExponential(2)} max|Δ| ${o.maxAbs.toExponential(2)}`,
        )
        .join(' · '),
    ],
    ['seed', `${props.seed} (inputs are regenerated from it on every backend)`],
  ];
  return (
    <div class="card details" data-testid="details">
      <h3>Run details</h3>
      <table>
        <tbody>
          {rows.map(([k, v]) => (
            <tr key={k}>
              <td>{k}</td>
              <td>{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
