import type { OutputCheck } from '@gemmkit/cli/workloads';
import { useEffect, useRef } from 'preact/hooks';

// Viridis-like stops: small error dark blue → large error yellow; mismatched non-finite cells are red.
const STOPS = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

function color(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const a = STOPS[i];
  const b = STOPS[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** Rows × cols view of an output: the last dim is columns, all leading dims stack as rows. */
export function gridOf(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  const cols = shape[shape.length - 1];
  const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  return [rows, cols];
}

/**
 * |got − ref| per element on a log color scale (max-pooled down to the canvas), so a wrong tile, a
 * missed edge or an unwritten row shows as a bright block.
 */
export function Heatmap(props: { check: OutputCheck }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const { error, shape } = props.check;
  const [rows, cols] = gridOf(shape);
  let maxErr = 0;
  let bad = 0;
  for (let i = 0; i < error.length; i++) {
    const e = error[i];
    if (Number.isNaN(e)) bad++;
    else if (e > maxErr) maxErr = e;
  }
  const hi = maxErr > 0 ? Math.log10(maxErr) : 0;
  const lo = hi - 6;
  useEffect(() => {
    const c = canvas.current!;
    const maxSide = 360;
    const sx = Math.max(1, Math.ceil(cols / maxSide));
    const sy = Math.max(1, Math.ceil(rows / maxSide));
    const w = Math.max(1, Math.ceil(cols / sx));
    const h = Math.max(1, Math.ceil(rows / sy));
    c.width = w;
    c.height = h;
    const ctx = c.getContext('2d')!;
    const img = ctx.createImageData(w, h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let m = 0;
        let nan = false;
        for (let r = y * sy; r < Math.min(rows, (y + 1) * sy); r++)
          for (let q = x * sx; q < Math.min(cols, (x + 1) * sx); q++) {
            const e = error[r * cols + q];
            if (Number.isNaN(e)) nan = true;
            else if (e > m) m = e;
          }
        const [R, G, B] = nan
          ? [239, 68, 68]
          : m === 0
            ? [30, 20, 50]
            : color((Math.log10(m) - lo) / (hi - lo || 1));
        const o = (y * w + x) * 4;
        img.data[o] = R;
        img.data[o + 1] = G;
        img.data[o + 2] = B;
        img.data[o + 3] = 255;
      }
    ctx.putImageData(img, 0, 0);
  }, [props.check]);
  const aspect = Math.min(2.5, Math.max(0.4, cols / Math.max(rows, 1)));
  return (
    <div class="heatmap" data-testid="heatmap">
      <div class="heat-wrap">
        <canvas
          ref={canvas}
          style={{ aspectRatio: String(aspect) }}
          aria-label={`error heatmap of ${props.check.name}`}
        />
        {maxErr === 0 && bad === 0 && <div class="heat-exact">exact: every element equals the reference</div>}
      </div>
      <div class="heatmap-legend">
        <span>{maxErr > 0 ? `1e${lo.toFixed(0)}` : '0'}</span>
        <span class="ramp" />
        <span>{maxErr > 0 ? maxErr.toExponential(1) : 'exact'}</span>
        {bad > 0 && <span class="bad">{bad} non-finite mismatches</span>}
      </div>
      <div class="muted small">
        {props.check.name}: {rows}×{cols} |got − ref|, max-pooled
      </div>
    </div>
  );
}
