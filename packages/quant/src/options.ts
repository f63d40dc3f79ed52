import { type CallOptions, type Context, fail, type Scale, Tensor } from '@gemmkit/core';

/** Options every friendly quantizer accepts besides its own. */
export interface RunOptions {
  /** Run on this backend of the context instead of the current one. */
  backend?: string;
}

export const callOptions = (o: RunOptions | undefined): CallOptions | undefined =>
  o?.backend === undefined ? undefined : { backend: o.backend };

/** A scalar f32 scale as a one-element tensor on the call's backend (numbers are uploaded). */
export function scalarTensor(gk: Context, v: number | Tensor, arg: string, o?: RunOptions): Tensor {
  if (v instanceof Tensor) return v;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
    fail('E_RANGE', 'a scale must be a finite number > 0 or a tensor', { arg, expected: '> 0', actual: v });
  const t = Tensor.host('f32', [1], new Uint8Array(new Float32Array([v]).buffer));
  return gk.to(t, o?.backend);
}

/** Block `[rows, cols]` of a scale from its granularity, or undefined for a per-tensor scale. */
export function blockOf(scale: Scale, arg: string): [number, number] | undefined {
  const [m, , k] = scale.granularity;
  if (m === -1 && k === -1) return undefined;
  if (!(m >= 1 && k >= 1))
    fail('E_UNSUPPORTED', 'scale granularity must be per-tensor [-1,-1,-1] or positive blocks', {
      arg,
      expected: '[-1,-1,-1] or [m, n, k] >= 1',
      actual: scale.granularity,
    });
  return [m, k];
}
