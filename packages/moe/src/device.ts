import type { Context, MoeAlignLayoutResult, MoeTopkResult, Tensor } from '@gemmkit/core';

/**
 * The device path of routing, layout and permutation: thin wrappers over the ops (`moeTopk`,
 * `moeAlignLayout`, `moePermute`, `moeUnpermute`) that move their inputs to the backend once and return
 * device tensors without waiting — the counterparts of the host helpers topkRouting / contiguousLayout /
 * permute / unpermute, which stay for tests and for host-side tooling.
 */

/** Routing of the device path: the `moeTopk` options (same meaning as the host `topkRouting`'s). */
export interface DeviceRoutingOptions {
  topK: number;
  scoring?: 'softmax' | 'sigmoid';
  renormalize?: boolean;
  /** `[E]` f32 selection bias (any backend; moved when needed). */
  bias?: Tensor;
  scale?: number;
  /** Group-limited routing (DeepSeek-V2/V3): `numGroups` ≤ 32 groups, experts of the best `topkGroup` only. */
  numGroups?: number;
  topkGroup?: number;
}

export interface OnBackend {
  /** Backend to run on (default: the context's current backend). */
  backend?: string;
}

const target = (gk: Context, o: OnBackend | undefined) => o?.backend ?? gk.backend.name;

/** Top-k routing of `[T, E]` logits on the device: `{ topkIds [T,k] i32, topkWeights [T,k] f32 }`. */
export function routeOnDevice(
  gk: Context,
  logits: Tensor,
  opts: DeviceRoutingOptions,
  on?: OnBackend,
): MoeTopkResult {
  const backend = target(gk, on);
  return gk.ops.moeTopk(
    {
      logits: gk.to(logits, backend),
      topK: opts?.topK,
      scoring: opts?.scoring,
      renormalize: opts?.renormalize,
      bias: opts?.bias && gk.to(opts.bias, backend),
      scale: opts?.scale,
      numGroups: opts?.numGroups,
      topkGroup: opts?.topkGroup,
    },
    { backend },
  );
}

/** Contiguous layout of `[T, k]` expert ids on the device (one pass; rows bounded by moeMaxRows). */
export function layoutOnDevice(
  gk: Context,
  topkIds: Tensor,
  numExperts: number,
  opts: OnBackend & { alignmentM?: number } = {},
): MoeAlignLayoutResult {
  const backend = target(gk, opts);
  return gk.ops.moeAlignLayout(
    { topkIds: gk.to(topkIds, backend), numExperts, alignmentM: opts.alignmentM },
    { backend },
  );
}

/** Gather token rows `[T, ...]` into the layout's grouped order (padding rows zero). */
export function permuteOnDevice(gk: Context, x: Tensor, layout: { tokenOf: Tensor }, on?: OnBackend): Tensor {
  const backend = target(gk, on);
  return gk.ops.moePermute({ x: gk.to(x, backend), tokenOf: layout.tokenOf }, { backend });
}

/** Weighted combine of grouped rows back to tokens (f32 accumulation on the device, one rounding). */
export function unpermuteOnDevice(
  gk: Context,
  y: Tensor,
  layout: { rowOf: Tensor },
  opts: OnBackend & { topkWeights?: Tensor; outDtype?: 'f32' | 'f16' | 'bf16' } = {},
): Tensor {
  const backend = target(gk, opts);
  return gk.ops.moeUnpermute(
    {
      y: gk.to(y, backend),
      rowOf: layout.rowOf,
      topkWeights: opts.topkWeights && gk.to(opts.topkWeights, backend),
      outDtype: opts.outDtype,
    },
    { backend },
  );
}
