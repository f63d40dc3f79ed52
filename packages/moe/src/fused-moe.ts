import { type Context, checkTensor, fail, type MoeAlignLayoutResult, type Tensor } from '@gemmkit/core';
import {
  type DeviceRoutingOptions,
  layoutOnDevice,
  permuteOnDevice,
  routeOnDevice,
  unpermuteOnDevice,
} from './device.js';
import type { Fp8ExpertWeights } from './moe-layer.js';

export interface FusedMoeArgs {
  /** `[T, H]` f32/f16/bf16 tokens (any backend of the context; moved to `backend` once). */
  x: Tensor;
  /** `[T, E]` router logits. */
  routerLogits: Tensor;
  /** Gate and up projections stacked: `[E, 2I, H]` e4m3, rows [0, I) gate, [I, 2I) up, 128x128 scales. */
  w13: Fp8ExpertWeights;
  /** Down projection `[E, H, I]` e4m3 with 128x128 scales. */
  w2: Fp8ExpertWeights;
  routing: DeviceRoutingOptions;
  /** Group alignment of the contiguous layout (default 128). */
  alignmentM?: 128 | 256;
  /** Backend to run on (default: the context's current backend). */
  backend?: string;
}

export interface FusedMoeResult {
  /** `[T, H]` bf16 on the layer's backend: Σ_j w[t,j] · expert_{id[t,j]}(x[t]). */
  readonly out: Tensor;
  readonly topkIds: Tensor;
  readonly topkWeights: Tensor;
  readonly layout: MoeAlignLayoutResult;
}

/** The ops a backend needs for `fusedMoe`. */
export const FUSED_MOE_OPS = [
  'moeTopk',
  'moeAlignLayout',
  'quantPerTokenFp8',
  'moePermute',
  'raggedMMoeGemm8bit',
  'siluMulQuantFp8',
  'moeUnpermute',
] as const;

function weights(w: Fp8ExpertWeights, arg: string): readonly number[] {
  if (!w || typeof w !== 'object' || !w.data || !w.scale)
    fail('E_UNSUPPORTED', 'expert weights are { data, scale }', {
      arg,
      expected: '{ data, scale }',
      actual: typeof w,
    });
  if (w.data.rank !== 3)
    fail('E_SHAPE', 'expert weights must be [E, N, K]', {
      arg: `${arg}.data`,
      expected: 'rank 3',
      actual: w.data.shape,
    });
  return w.data.shape;
}

/**
 * A DeepSeek-style MoE FFN with every step on one backend, enqueued back to back through `gk.ops` (no host
 * round trip, nothing read back): moeTopk → moeAlignLayout → quantPerTokenFp8(x) → moePermute (codes and
 * scales) → raggedMMoeGemm8bit (gate/up, bf16) → siluMulQuantFp8 → raggedMMoeGemm8bit (down, bf16) →
 * moeUnpermute (weighted combine, bf16). Grouped tensors have the static row bound of moeAlignLayout;
 * padding rows are skipped by both GEMMs and by the activation (mIndices -1) and never read by the combine.
 */
export function fusedMoe(gk: Context, args: FusedMoeArgs): FusedMoeResult {
  const op = 'moe.fusedMoe';
  if (!args || typeof args !== 'object')
    fail('E_UNSUPPORTED', 'expected an argument object', {
      arg: op,
      expected: 'object',
      actual: typeof args,
    });
  checkTensor(args.x, `${op}.x`);
  checkTensor(args.routerLogits, `${op}.routerLogits`);
  const [e13, n13, h13] = weights(args.w13, `${op}.w13`);
  const [e2, h2, i2] = weights(args.w2, `${op}.w2`);
  if (n13 % 2 !== 0 || n13 / 2 !== i2 || h2 !== h13 || e2 !== e13)
    fail('E_SHAPE', 'w13 must be [E, 2I, H] and w2 [E, H, I]', {
      arg: `${op}.w2`,
      expected: [e13, h13, n13 / 2],
      actual: args.w2.data.shape,
    });
  const backend = args.backend ?? gk.backend.name;
  const on = { backend };
  const dev = (t: Tensor) => gk.to(t, backend);
  const alignmentM = args.alignmentM ?? 128;
  const r = args.routing;
  if (!r || typeof r !== 'object')
    fail('E_UNSUPPORTED', 'routing options with topK are required', {
      arg: `${op}.routing`,
      expected: '{ topK }',
      actual: r,
    });
  if (args.x.rank !== 2 || args.x.shape[1] !== h13 || args.x.shape[0] !== args.routerLogits.shape[0])
    fail('E_SHAPE', "x must be [T, H] with the weights' H and the logits' T", {
      arg: `${op}.x`,
      expected: [args.routerLogits.shape[0], h13],
      actual: args.x.shape,
    });
  if (args.routerLogits.shape[1] !== e13)
    fail('E_SHAPE', 'routerLogits must have one column per expert', {
      arg: `${op}.routerLogits`,
      expected: [args.x.shape[0], e13],
      actual: args.routerLogits.shape,
    });
  // Shapes are checked before anything is enqueued.
  const routed = routeOnDevice(gk, args.routerLogits, r, on);
  const layout = layoutOnDevice(gk, routed.topkIds, e13, { ...on, alignmentM });
  // Quantize the T token rows once, then gather codes and scales (cheaper than quantizing padded rows).
  const xq = gk.ops.quantPerTokenFp8({ x: dev(args.x) }, on);
  const a = permuteOnDevice(gk, xq.data, layout, on);
  const aScale = permuteOnDevice(gk, xq.scale.tensor, layout, on);
  const gemm = (lhs: Tensor, lhsScale: Tensor, w: Fp8ExpertWeights) =>
    gk.ops.raggedMMoeGemm8bit(
      {
        a: lhs,
        aScale: lhsScale,
        b: dev(w.data),
        bScale: dev(w.scale.tensor),
        raggedTokensInfo: layout.mIndices,
        gemmMode: 'per_token',
        alignmentM,
        outDtype: 'bf16',
      },
      on,
    );
  const h = gemm(a, aScale, args.w13);
  const act = gk.ops.siluMulQuantFp8({ x: h, mIndices: layout.mIndices }, on);
  const y = gemm(act.data, act.scale.tensor, args.w2);
  const out = unpermuteOnDevice(gk, y, layout, { ...on, topkWeights: routed.topkWeights, outDtype: 'bf16' });
  return { out, topkIds: routed.topkIds, topkWeights: routed.topkWeights, layout };
}
