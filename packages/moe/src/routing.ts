import { fail, type Tensor } from '@gemmkit/core';
import {
  checkDtype,
  checkHost,
  checkPositiveInt,
  checkRank,
  encodedTensor,
  hostValues,
  i32Tensor,
} from './host.js';

export interface TopkRoutingOptions {
  /** Experts per token. */
  topK: number;
  /** How router logits become scores: 'softmax' over experts (default) or an independent 'sigmoid'. */
  scoring?: 'softmax' | 'sigmoid';
  /** Divide the k selected weights by their sum (default: true for sigmoid, false for softmax). */
  renormalize?: boolean;
  /**
   * `[E]` f32 bias added to the scores for selection only (DeepSeek-V3's e_score_correction_bias); the
   * weights still come from the unbiased scores.
   */
  bias?: Tensor;
  /** Multiplier of the final weights (DeepSeek's routed_scaling_factor). Default 1. */
  scale?: number;
  /**
   * Group-limited routing (DeepSeek-V2/V3): experts split into `numGroups` equal contiguous groups; only
   * experts of the best `topkGroup` groups can be chosen. A group's score is the sum of its two best
   * (biased) scores with `bias` (V3 noaux_tc), else its best score (V2). Default: no grouping.
   */
  numGroups?: number;
  topkGroup?: number;
}

export interface TopkRouting {
  /** `[T, k]` i32 expert ids, best first (ties: lower expert id first). */
  readonly topkIds: Tensor;
  /** `[T, k]` f32 weights of the selected experts. */
  readonly topkWeights: Tensor;
  /** `[E]` i32 number of (token, slot) pairs routed to each expert. */
  readonly counts: Tensor;
}

/**
 * Top-k routing of router logits `[T, E]` (f32/f16/bf16, host): scores = softmax(logits) per token or
 * sigmoid(logits); the k experts with the largest score (+ bias) are chosen (among the best `topkGroup`
 * groups when grouped); weights are their scores,
 * optionally renormalized to sum to 1, times `scale`. Computed in float64, weights rounded once to f32.
 */
export function topkRouting(logits: Tensor, opts: TopkRoutingOptions): TopkRouting {
  const op = 'moe.topkRouting';
  checkHost(logits, `${op}.logits`);
  checkDtype(logits, `${op}.logits`, ['f32', 'f16', 'bf16']);
  checkRank(logits, `${op}.logits`, 2);
  const [tokens, experts] = logits.shape;
  if (!opts || typeof opts !== 'object')
    fail('E_UNSUPPORTED', 'options with topK are required', {
      arg: `${op}.opts`,
      expected: '{ topK }',
      actual: opts,
    });
  checkPositiveInt(opts.topK, `${op}.topK`);
  const k = opts.topK;
  if (k > experts)
    fail('E_RANGE', 'topK cannot exceed the number of experts', {
      arg: `${op}.topK`,
      expected: `<= ${experts}`,
      actual: k,
    });
  const scoring = opts.scoring ?? 'softmax';
  if (scoring !== 'softmax' && scoring !== 'sigmoid')
    fail('E_UNSUPPORTED', 'unknown scoring', {
      arg: `${op}.scoring`,
      expected: ['softmax', 'sigmoid'],
      actual: scoring,
    });
  const renormalize = opts.renormalize ?? scoring === 'sigmoid';
  if (typeof renormalize !== 'boolean')
    fail('E_UNSUPPORTED', 'renormalize must be a boolean', {
      arg: `${op}.renormalize`,
      expected: 'boolean',
      actual: renormalize,
    });
  const scale = opts.scale ?? 1;
  if (typeof scale !== 'number' || !Number.isFinite(scale))
    fail('E_RANGE', 'scale must be a finite number', {
      arg: `${op}.scale`,
      expected: 'finite',
      actual: scale,
    });
  let bias: Float64Array | null = null;
  if (opts.bias !== undefined) {
    checkHost(opts.bias, `${op}.bias`);
    checkDtype(opts.bias, `${op}.bias`, ['f32', 'f16', 'bf16']);
    if (opts.bias.rank !== 1 || opts.bias.shape[0] !== experts)
      fail('E_SHAPE', 'bias must be [E]', {
        arg: `${op}.bias`,
        expected: [experts],
        actual: opts.bias.shape,
      });
    bias = hostValues(opts.bias);
    if (bias.some((v) => !Number.isFinite(v)))
      fail('E_RANGE', 'bias must be finite', {
        arg: `${op}.bias`,
        expected: 'finite values',
        actual: [...bias],
      });
  }
  let groups = 1;
  let topkGroup = 1;
  if (opts.numGroups !== undefined || opts.topkGroup !== undefined) {
    checkPositiveInt(opts.numGroups, `${op}.numGroups`);
    checkPositiveInt(opts.topkGroup, `${op}.topkGroup`);
    groups = opts.numGroups;
    topkGroup = opts.topkGroup;
    if (experts % groups !== 0)
      fail('E_SHAPE', 'numGroups must divide the number of experts', {
        arg: `${op}.numGroups`,
        expected: `a divisor of ${experts}`,
        actual: groups,
      });
    if (topkGroup > groups)
      fail('E_RANGE', 'topkGroup cannot exceed numGroups', {
        arg: `${op}.topkGroup`,
        expected: `<= ${groups}`,
        actual: topkGroup,
      });
    if (k > (topkGroup * experts) / groups)
      fail('E_RANGE', 'topK exceeds the experts of the selected groups', {
        arg: `${op}.topK`,
        expected: `<= ${(topkGroup * experts) / groups}`,
        actual: k,
      });
  } else topkGroup = groups;
  const perGroup = experts / groups;
  const groupScore = new Float64Array(groups);
  const groupOrder = new Array<number>(groups);
  const allowed = new Uint8Array(experts);
  const x = hostValues(logits);
  for (let i = 0; i < x.length; i++)
    if (!Number.isFinite(x[i]))
      fail('E_RANGE', 'router logits must be finite', {
        arg: `${op}.logits`,
        expected: 'finite values',
        actual: `${x[i]} at [${Math.floor(i / experts)}, ${i % experts}]`,
      });

  const ids = new Int32Array(tokens * k);
  const weights = new Float64Array(tokens * k);
  const counts = new Int32Array(experts);
  const score = new Float64Array(experts);
  let order = new Array<number>(experts);
  for (let t = 0; t < tokens; t++) {
    const row = t * experts;
    order = new Array<number>(experts);
    if (scoring === 'softmax') {
      let max = Number.NEGATIVE_INFINITY;
      for (let e = 0; e < experts; e++) max = Math.max(max, x[row + e]);
      let sum = 0;
      for (let e = 0; e < experts; e++) sum += score[e] = Math.exp(x[row + e] - max);
      for (let e = 0; e < experts; e++) score[e] /= sum;
    } else for (let e = 0; e < experts; e++) score[e] = 1 / (1 + Math.exp(-x[row + e]));
    const key = (e: number) => score[e] + (bias ? bias[e] : 0);
    allowed.fill(1);
    if (groups > 1 && topkGroup < groups) {
      for (let g = 0; g < groups; g++) {
        let best = Number.NEGATIVE_INFINITY;
        let second = Number.NEGATIVE_INFINITY;
        for (let e = g * perGroup; e < (g + 1) * perGroup; e++) {
          const v = key(e);
          if (v > best) [best, second] = [v, best];
          else if (v > second) second = v;
        }
        groupScore[g] = bias && perGroup > 1 ? best + second : best;
        groupOrder[g] = g;
      }
      groupOrder.sort((a, b) => groupScore[b] - groupScore[a] || a - b);
      allowed.fill(0);
      for (let j = 0; j < topkGroup; j++)
        allowed.fill(1, groupOrder[j] * perGroup, (groupOrder[j] + 1) * perGroup);
    }
    let n = 0;
    for (let e = 0; e < experts; e++) if (allowed[e]) order[n++] = e;
    order.length = n;
    order.sort((a, b) => key(b) - key(a) || a - b);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += score[order[j]];
    for (let j = 0; j < k; j++) {
      const e = order[j];
      ids[t * k + j] = e;
      weights[t * k + j] = (renormalize ? score[e] / sum : score[e]) * scale;
      counts[e]++;
    }
  }
  return {
    topkIds: i32Tensor(ids, [tokens, k]),
    topkWeights: encodedTensor('f32', weights, [tokens, k]),
    counts: i32Tensor(counts, [experts]),
  };
}

/**
 * `[E]` i32 counts of a `[T, k]` (or any shape) i32/i64 expert-id tensor. Ids of -1 (dropped, e.g. owned by
 * another rank) are skipped; any other id outside [0, E) is an error.
 */
export function expertCounts(topkIds: Tensor, numExperts: number): Tensor {
  const op = 'moe.expertCounts';
  checkHost(topkIds, `${op}.topkIds`);
  checkDtype(topkIds, `${op}.topkIds`, ['i32', 'i64']);
  checkPositiveInt(numExperts, `${op}.numExperts`);
  const ids = hostValues(topkIds);
  const counts = new Int32Array(numExperts);
  for (let i = 0; i < ids.length; i++) {
    const e = ids[i];
    if (e === -1) continue;
    if (!(e >= 0 && e < numExperts))
      fail('E_RANGE', 'expert id out of range', {
        arg: `${op}.topkIds`,
        expected: `-1 or [0, ${numExperts})`,
        actual: `${e} at flat index ${i}`,
      });
    counts[e]++;
  }
  return i32Tensor(counts, [numExperts]);
}
