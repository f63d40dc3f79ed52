/** Number formatting for tables. */

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 1) return `${(ms * 1000).toFixed(1)} µs`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function fmtRate(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return '-';
  if (x === 0) return '0';
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) < 1e-3) return x.toExponential(1);
  return Number(x.toPrecision(digits)).toString();
}

export function fmtDiff(d: number): string {
  return Number.isFinite(d) ? d.toExponential(1) : '-';
}

export function fmtPct(f: number | undefined): string {
  return f === undefined || !Number.isFinite(f) ? '-' : `${(f * 100).toFixed(f < 0.01 ? 2 : 1)}%`;
}
