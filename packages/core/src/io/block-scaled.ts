/**
 * DeepSeek-style FP8 checkpoints: each quantized linear stores `X.weight` (e4m3, [N, K]) and
 * `X.weight_scale_inv` (f32, [ceil(N/128), ceil(K/128)]): the dequantized weight is
 * w[n, k] = weight[n, k] · scale_inv[floor(n/128), floor(k/128)] (the name says "inv" because the quantizer
 * divided by it). Scales stored as F8_E8M0 (ue8m0) are accepted too.
 */
import { fail } from '../errors.js';
import type { Scale } from '../scale.js';
import type { Tensor } from '../tensor.js';
import type { SafetensorsFile } from './safetensors.js';

export interface BlockScaledWeight {
  /** e4m3 [N, K]. */
  readonly weight: Tensor;
  /** 128x128 blocks: granularity [1, 128, 128], K-major, one scale per (n-block, k-block). */
  readonly scale: Scale;
}

export interface BlockScaledOptions {
  /** Block edge (default 128). */
  block?: number;
}

/** Weight `name` (either `X` or `X.weight`) with its block scales. Throws naming what is missing or wrong. */
export function openBlockScaledWeight(
  st: SafetensorsFile,
  name: string,
  opts: BlockScaledOptions = {},
): BlockScaledWeight {
  const block = opts.block ?? 128;
  if (!Number.isInteger(block) || block <= 0)
    fail('E_RANGE', 'block size must be a positive integer', { arg: 'opts.block', actual: block });
  const base = name.endsWith('.weight') ? name.slice(0, -'.weight'.length) : name;
  const wName = `${base}.weight`;
  const sName = `${base}.weight_scale_inv`;
  const weight = st?.tensors?.[wName];
  if (!weight)
    fail('E_UNSUPPORTED', `no tensor '${wName}' in the checkpoint`, {
      arg: 'name',
      expected: wName,
      actual: name,
    });
  const scale = st.tensors[sName];
  if (!scale)
    fail('E_UNSUPPORTED', `no scale tensor '${sName}' for '${wName}'`, {
      arg: 'name',
      expected: sName,
      actual: name,
    });
  if (weight.dtype !== 'e4m3')
    fail('E_DTYPE', 'block-scaled weight must be e4m3', {
      arg: wName,
      expected: 'e4m3',
      actual: weight.dtype,
    });
  if (weight.rank !== 2)
    fail('E_SHAPE', 'block-scaled weight must be 2-D [N, K]', {
      arg: wName,
      expected: 'rank 2',
      actual: weight.shape,
    });
  if (scale.dtype !== 'f32' && scale.dtype !== 'ue8m0')
    fail('E_DTYPE', 'weight scales must be f32 (or ue8m0)', {
      arg: sName,
      expected: ['f32', 'ue8m0'],
      actual: scale.dtype,
    });
  const [n, k] = weight.shape;
  const want = [Math.ceil(n / block), Math.ceil(k / block)];
  if (scale.rank !== 2 || scale.shape[0] !== want[0] || scale.shape[1] !== want[1])
    fail('E_SHAPE', `scale shape must be [ceil(N/${block}), ceil(K/${block})]`, {
      arg: sName,
      expected: want,
      actual: scale.shape,
    });
  return {
    weight,
    scale: {
      tensor: scale,
      granularity: [1, block, block],
      major: 'K',
      encoding: scale.dtype === 'ue8m0' ? 'ue8m0' : 'f32',
      layout: 'linear',
    },
  };
}

export interface Fp8Checkpoint {
  /** Every `X.weight` that has an `X.weight_scale_inv`, keyed by `X`. */
  readonly weights: Record<string, BlockScaledWeight>;
  /** All remaining tensors (norms, embeddings, biases...), by their file names. */
  readonly others: Record<string, Tensor>;
  readonly metadata: Record<string, string>;
}

/** Pair every block-scaled weight of a DeepSeek-style FP8 checkpoint with its scales. */
export function loadFp8Checkpoint(st: SafetensorsFile, opts: BlockScaledOptions = {}): Fp8Checkpoint {
  if (!st || typeof st.tensors !== 'object')
    fail('E_UNSUPPORTED', 'expected a parsed safetensors file', {
      arg: 'st',
      expected: '{ tensors, metadata }',
    });
  const weights: Record<string, BlockScaledWeight> = {};
  const used = new Set<string>();
  for (const name of Object.keys(st.tensors)) {
    if (!name.endsWith('.weight_scale_inv')) continue;
    const base = name.slice(0, -'.weight_scale_inv'.length);
    if (!st.tensors[`${base}.weight`])
      fail('E_UNSUPPORTED', `scale '${name}' has no weight '${base}.weight'`, {
        arg: name,
        expected: `${base}.weight`,
      });
    weights[base] = openBlockScaledWeight(st, base, opts);
    used.add(name).add(`${base}.weight`);
  }
  const others: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(st.tensors)) if (!used.has(name)) others[name] = t;
  return { weights, others, metadata: st.metadata };
}
