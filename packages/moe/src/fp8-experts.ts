import { type Fp8Checkpoint, fail, Tensor } from '@gemmkit/core';
import type { Fp8ExpertWeights } from './moe-layer.js';

export interface Fp8ExpertNames {
  /** Name of expert e's projection `proj` without `.weight`, default DeepSeek's `${prefix}.${e}.${proj}`. */
  name?: (expert: number, proj: 'gate_proj' | 'up_proj' | 'down_proj') => string;
  /** Prefix of the default names, e.g. `model.layers.3.mlp.experts`. */
  prefix?: string;
}

/** Stack equally shaped host tensors along a new leading axis (bytes copied once). */
function stack(parts: readonly Tensor[]): Tensor {
  const one = parts[0];
  const bytes = new Uint8Array(parts.reduce((n, t) => n + t.hostBytes().length, 0));
  let at = 0;
  for (const t of parts) {
    const b = t.hostBytes();
    bytes.set(b, at);
    at += b.length;
  }
  return Tensor.host(one.dtype, [parts.length, ...one.shape], bytes);
}

/** Concatenate two host tensors of equal trailing shape along axis 0. */
function concat0(a: Tensor, b: Tensor): Tensor {
  const bytes = new Uint8Array(a.hostBytes().length + b.hostBytes().length);
  bytes.set(a.hostBytes());
  bytes.set(b.hostBytes(), a.hostBytes().length);
  return Tensor.host(a.dtype, [a.shape[0] + b.shape[0], ...a.shape.slice(1)], bytes);
}

/**
 * The routed experts of one DeepSeek-style FP8 MoE layer from a loaded checkpoint: gate/up stacked into
 * `w13 [E, 2I, H]` (scales `[E, 2I/128, H/128]`) and down into `w2 [E, H, I]`, as host tensors ready for
 * `gk.to`. Gate and up are concatenated block row by block row, so I must be a multiple of 128.
 */
export function loadFp8Experts(
  ckpt: Fp8Checkpoint,
  numExperts: number,
  names: Fp8ExpertNames = {},
): { w13: Fp8ExpertWeights; w2: Fp8ExpertWeights } {
  const op = 'moe.loadFp8Experts';
  if (!Number.isInteger(numExperts) || numExperts < 1)
    fail('E_RANGE', 'numExperts must be a positive integer', {
      arg: `${op}.numExperts`,
      expected: '>= 1',
      actual: numExperts,
    });
  const prefix = names.prefix ?? 'experts';
  const nameOf = names.name ?? ((e: number, p: string) => `${prefix}.${e}.${p}`);
  const get = (e: number, p: 'gate_proj' | 'up_proj' | 'down_proj') => {
    const w = ckpt.weights[nameOf(e, p)];
    if (!w)
      fail('E_UNSUPPORTED', `no FP8 weight '${nameOf(e, p)}' in the checkpoint`, {
        arg: `${op}.ckpt`,
        expected: `${nameOf(e, p)}.weight + .weight_scale_inv`,
        actual: Object.keys(ckpt.weights).slice(0, 8),
      });
    if (w.scale.encoding !== 'f32' || w.scale.granularity[1] !== 128)
      fail('E_UNSUPPORTED', 'expert weights need f32 128x128 scales', {
        arg: `${op}.${nameOf(e, p)}`,
        expected: 'f32 [1, 128, 128]',
        actual: `${w.scale.encoding} ${w.scale.granularity}`,
      });
    return w;
  };
  const gate0 = get(0, 'gate_proj');
  const [inter, hidden] = gate0.weight.shape;
  if (inter % 128 !== 0)
    fail('E_ALIGN', 'the intermediate size must be a multiple of 128 to stack gate and up scales', {
      arg: `${op}.${nameOf(0, 'gate_proj')}`,
      expected: 'I % 128 == 0',
      actual: inter,
    });
  const w13: Tensor[] = [];
  const s13: Tensor[] = [];
  const w2: Tensor[] = [];
  const s2: Tensor[] = [];
  for (let e = 0; e < numExperts; e++) {
    const g = get(e, 'gate_proj');
    const u = get(e, 'up_proj');
    const d = get(e, 'down_proj');
    for (const [w, shape, p] of [
      [g, [inter, hidden], 'gate_proj'],
      [u, [inter, hidden], 'up_proj'],
      [d, [hidden, inter], 'down_proj'],
    ] as const)
      if (w.weight.shape[0] !== shape[0] || w.weight.shape[1] !== shape[1])
        fail('E_SHAPE', 'expert projections must share one shape', {
          arg: `${op}.${nameOf(e, p)}`,
          expected: shape,
          actual: w.weight.shape,
        });
    w13.push(concat0(g.weight, u.weight));
    s13.push(concat0(g.scale.tensor, u.scale.tensor));
    w2.push(d.weight);
    s2.push(d.scale.tensor);
  }
  const scale = (t: Tensor) =>
    ({ tensor: t, granularity: [1, 128, 128], major: 'K', encoding: 'f32', layout: 'linear' }) as const;
  return {
    w13: { data: stack(w13), scale: scale(stack(s13)) },
    w2: { data: stack(w2), scale: scale(stack(s2)) },
  };
}
