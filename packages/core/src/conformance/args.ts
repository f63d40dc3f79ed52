import type { Context } from '../context.js';
import { Tensor } from '../tensor.js';

function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}

/** Deep copy of op arguments with every Tensor replaced by `f(t, path)` (plain objects and arrays only). */
export function mapTensors<T>(args: T, f: (t: Tensor, path: string) => Tensor, path = ''): T {
  const v: unknown = args;
  if (isTensor(v)) return f(v, path) as T;
  if (Array.isArray(v)) return v.map((x, i) => mapTensors(x, f, `${path}[${i}]`)) as T;
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = mapTensors(x, f, path ? `${path}.${k}` : k);
    return o as T;
  }
  return args;
}

/**
 * Move `t` to `backend`, keeping its strides and offset: the addressed span is copied as a flat tensor and
 * the view is rebuilt over the moved storage (a plain `ctx.to` would hand back a contiguous copy, and
 * stride/layout cases must reach the backend as they were built).
 */
export function moveView(ctx: Context, t: Tensor, backend: string): Tensor {
  const target = ctx.get(backend);
  if (t.device === target.storageDevice) return t;
  if (t.isContiguous) return ctx.to(t, backend);
  const span = t.spanElements();
  const flat = new Tensor(t.dtype, [span], t.storage, [1], t.offset);
  const moved = ctx.to(flat, backend);
  return new Tensor(t.dtype, t.shape, moved.storage, t.strides, moved.offset);
}
