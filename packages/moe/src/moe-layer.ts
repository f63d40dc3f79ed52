import { type Context, fail, type Scale, type Tensor } from '@gemmkit/core';
import { quant } from '@gemmkit/quant';
import { type ContiguousLayout, contiguousLayout } from './contiguous-layout.js';
import { checkHost, encodedTensor, hostValues } from './host.js';
import { permute, unpermute } from './permute.js';
import { type TopkRouting, type TopkRoutingOptions, topkRouting } from './routing.js';

/** FP8 expert weights with 128x128 block scales (e.g. from `quant.perBlockFp8`). */
export interface Fp8ExpertWeights {
  readonly data: Tensor;
  readonly scale: Scale;
}

export interface MoeLayerArgs {
  /** `[T, H]` f32/f16/bf16 tokens (any backend of the context). */
  x: Tensor;
  /** `[T, E]` router logits (any backend). */
  routerLogits: Tensor;
  /** Gate and up projections stacked: `[E, 2I, H]` fp8, rows [0, I) = gate, [I, 2I) = up. */
  w13: Fp8ExpertWeights;
  /** Down projection `[E, H, I]` fp8. */
  w2: Fp8ExpertWeights;
  routing: TopkRoutingOptions;
  /** Group alignment of the contiguous layout (default 128). */
  alignmentM?: 128 | 256;
}

export interface MoeLayerResult {
  /** `[T, H]` bf16 host tensor: Σ_j w[t,j] · expert_{id[t,j]}(x[t]). */
  readonly out: Tensor;
  readonly routing: TopkRouting;
  readonly layout: ContiguousLayout;
}

const silu = (v: number) => v / (1 + Math.exp(-v));

function weightShape(w: Fp8ExpertWeights, arg: string): readonly number[] {
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
 * A DeepSeek-style MoE FFN through the context's grouped FP8 GEMM: route (host) → contiguous layout and
 * permute (host) → 1x128 FP8 quantization → `raggedMMoeGemm8bit` (gate/up) → SiLU(gate)·up in float64,
 * rounded to bf16 (host) → quantize → `raggedMMoeGemm8bit` (down) → weighted unpermute (host, bf16).
 * Padding rows of the grouped tensors are zero before each quantization.
 */
export async function moeLayer(gk: Context, args: MoeLayerArgs): Promise<MoeLayerResult> {
  const op = 'moe.moeLayer';
  const [e13, n13, h13] = weightShape(args.w13, `${op}.w13`);
  const [e2, h2, i2] = weightShape(args.w2, `${op}.w2`);
  if (n13 % 2 !== 0 || n13 / 2 !== i2 || h2 !== h13 || e2 !== e13)
    fail('E_SHAPE', 'w13 must be [E, 2I, H] and w2 [E, H, I]', {
      arg: `${op}.w2`,
      expected: [e13, h13, n13 / 2],
      actual: args.w2.data.shape,
    });
  const x = await args.x.toHost();
  const logits = await args.routerLogits.toHost();
  checkHost(x, `${op}.x`);
  if (x.rank !== 2 || x.shape[1] !== h13)
    fail('E_SHAPE', "x must be [T, H] with the weights' H", {
      arg: `${op}.x`,
      expected: ['T', h13],
      actual: x.shape,
    });
  if (logits.rank !== 2 || logits.shape[0] !== x.shape[0] || logits.shape[1] !== e13)
    fail('E_SHAPE', 'routerLogits must be [T, E]', {
      arg: `${op}.routerLogits`,
      expected: [x.shape[0], e13],
      actual: logits.shape,
    });
  const alignmentM = args.alignmentM ?? 128;
  const routing = topkRouting(logits, args.routing);
  const layout = contiguousLayout(routing.topkIds, e13, { alignment: alignmentM });
  const mIndices = gk.to(layout.mIndices);
  const gemm = (a: Tensor, w: Fp8ExpertWeights) => {
    const q = quant.perTokenFp8(gk, gk.to(a));
    return gk.ops.raggedMMoeGemm8bit({
      a: q.data,
      aScale: q.scale.tensor,
      b: w.data,
      bScale: w.scale.tensor,
      raggedTokensInfo: mIndices,
      gemmMode: 'per_token',
      alignmentM,
      outDtype: 'bf16',
    });
  };
  const h = hostValues(await gemm(permute(x, layout), args.w13).toHost());
  const rowIds = hostValues(layout.mIndices);
  const inter = i2;
  const act = new Float64Array(layout.totalRows * inter);
  for (let r = 0; r < layout.totalRows; r++) {
    if (rowIds[r] < 0) continue; // padding rows: the GEMM never wrote them
    for (let c = 0; c < inter; c++)
      act[r * inter + c] = silu(h[r * 2 * inter + c]) * h[r * 2 * inter + inter + c];
  }
  const y = await gemm(encodedTensor('bf16', act, [layout.totalRows, inter]), args.w2).toHost();
  const out = unpermute(y, layout, { topkWeights: routing.topkWeights, outDtype: 'bf16' });
  return { out, routing, layout };
}
