/** A line chart drawn straight to SVG (no plotting dependency): throughput vs size, one line per series. */

export interface PlotSeries {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
}

export interface PlotSpec {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  series: readonly PlotSeries[];
  /** log2 x axis (sizes that double). */
  logX?: boolean;
  /** Optional horizontal ceiling lines (e.g. the device's peak). */
  hlines?: ReadonlyArray<{ y: number; label: string }>;
  width?: number;
  height?: number;
}

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** 1, 2, 5 x 10^k ticks covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

export function formatNum(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(1);
  if (a >= 1024 && Number.isInteger(Math.log2(a))) return `${a / 1024}K`;
  return Number(v.toPrecision(4)).toString();
}

export function plotSvg(spec: PlotSpec): string {
  const W = spec.width ?? 760;
  const H = spec.height ?? 440;
  const m = { l: 72, r: 28, t: spec.subtitle ? 86 : 70, b: 56 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const pts = spec.series
    .flatMap((s) => s.points)
    .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = pts.map(([x]) => x);
  const ys = [...pts.map(([, y]) => y), ...(spec.hlines ?? []).map((h) => h.y)];
  const fx = (x: number) => (spec.logX ? Math.log2(Math.max(x, 1e-12)) : x);
  let x0 = xs.length ? Math.min(...xs.map(fx)) : 0;
  let x1 = xs.length ? Math.max(...xs.map(fx)) : 1;
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  const yMax = ys.length ? Math.max(...ys) * 1.08 : 1;
  const y1 = yMax > 0 ? yMax : 1;
  const sx = (x: number) => m.l + ((fx(x) - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => m.t + ph - (y / y1) * ph;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Inter, Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${m.l}" y="24" font-size="16" font-weight="600" fill="#111827">${esc(spec.title)}</text>`,
  );
  if (spec.subtitle) parts.push(`<text x="${m.l}" y="44" fill="#6b7280">${esc(spec.subtitle)}</text>`);
  // y grid + labels
  for (const t of niceTicks(0, y1)) {
    const y = sy(t);
    parts.push(
      `<line x1="${m.l}" x2="${m.l + pw}" y1="${y}" y2="${y}" stroke="#e5e7eb"/>`,
      `<text x="${m.l - 8}" y="${y + 4}" text-anchor="end" fill="#374151">${formatNum(t)}</text>`,
    );
  }
  // x ticks: the data's own x values when log2 (sizes), nice ticks otherwise
  const xTicks = spec.logX ? [...new Set(xs)].sort((a, b) => a - b) : niceTicks(x0, x1);
  for (const t of xTicks) {
    const x = sx(t);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${m.t}" y2="${m.t + ph}" stroke="#f3f4f6"/>`,
      `<text x="${x}" y="${m.t + ph + 18}" text-anchor="middle" fill="#374151">${formatNum(t)}</text>`,
    );
  }
  parts.push(
    `<line x1="${m.l}" x2="${m.l + pw}" y1="${m.t + ph}" y2="${m.t + ph}" stroke="#111827"/>`,
    `<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${m.t + ph}" stroke="#111827"/>`,
    `<text x="${m.l + pw / 2}" y="${H - 14}" text-anchor="middle" fill="#111827">${esc(spec.xLabel)}</text>`,
    `<text transform="translate(18 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle" fill="#111827">${esc(spec.yLabel)}</text>`,
  );
  for (const h of spec.hlines ?? []) {
    const y = sy(h.y);
    parts.push(
      `<line x1="${m.l}" x2="${m.l + pw}" y1="${y}" y2="${y}" stroke="#9ca3af" stroke-dasharray="6 4"/>`,
      `<text x="${m.l + pw - 4}" y="${y - 5}" text-anchor="end" fill="#6b7280">${esc(h.label)}</text>`,
    );
  }
  const legendX: number[] = [];
  let at = m.l;
  for (const s of spec.series) {
    legendX.push(at);
    at += 26 + s.name.length * 6.6 + 24;
  }
  spec.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const p = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (p.length) {
      const d = p.map(([x, y], j) => `${j ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2.2"/>`);
      for (const [x, y] of p)
        parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3.5" fill="${color}"/>`);
    }
    // Legend: one row under the title, items placed by their text length.
    const lx = legendX[i];
    const ly = m.t - 22;
    parts.push(
      `<line x1="${lx}" x2="${lx + 20}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"/>`,
      `<text x="${lx + 26}" y="${ly + 4}" fill="#111827">${esc(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Write the chart as .svg, or rasterize it to .png with resvg (loaded only when asked for). */
export async function writePlot(path: string, svg: string): Promise<void> {
  const { writeFile, mkdir } = await import('node:fs/promises');
  const { dirname } = await import('node:path');
  await mkdir(dirname(path), { recursive: true });
  if (/\.png$/i.test(path)) {
    const { Resvg } = await import('@resvg/resvg-js');
    const png = new Resvg(svg, { font: { loadSystemFonts: true }, fitTo: { mode: 'zoom', value: 2 } })
      .render()
      .asPng();
    await writeFile(path, png);
  } else await writeFile(path, svg);
}
