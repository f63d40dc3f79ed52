import { decodeArray } from '../codec.js';
import { fail } from '../errors.js';
import { defineOp, type ValidateMode } from '../op.js';
import { readBytesSync } from '../read-sync.js';
import type { Tensor } from '../tensor.js';
import { MOE_FLOAT_DTYPES, moeIntOption, moeOperand, moeOut } from './moe-common.js';
import { boolOption, option } from './quant-common.js';

export interface MoeTopkArgs {
  /** `[T, E]` f32/f16/bf16 router logits, contiguous. */
  logits: Tensor;
  /** Experts per token, 1 ≤ topK ≤ E. */
  topK: number;
  /** 'softmax' over the E experts (default) or an independent 'sigmoid' per expert. */
  scoring?: 'softmax' | 'sigmoid';
  /** Divide the k selected scores by their sum (default: true for sigmoid, false for softmax). */
  renormalize?: boolean;
  /** `[E]` f32 selection bias (DeepSeek-V3 e_score_correction_bias); weights use the unbiased scores. */
  bias?: Tensor;
  /** Multiplier of the final weights (routed_scaling_factor), finite. Default 1. */
  scale?: number;
  /**
   * Group-limited routing (DeepSeek-V2/V3): experts split into `numGroups` (≤ 32, dividing E) equal
   * contiguous groups; only experts of the best `topkGroup` groups can be chosen. Both or neither.
   */
  numGroups?: number;
  topkGroup?: number;
  /** `[T, k]` i32 output for the expert ids. */
  outIds?: Tensor;
  /** `[T, k]` f32 output for the weights. */
  outWeights?: Tensor;
}

export interface MoeTopkPlan {
  tokens: number;
  experts: number;
  k: number;
  scoring: 'softmax' | 'sigmoid';
  renormalize: boolean;
  hasBias: boolean;
  scale: number;
  /** 1 and 1 when routing is not group-limited. */
  numGroups: number;
  topkGroup: number;
  inDtype: 'f32' | 'f16' | 'bf16';
}

export interface MoeTopkResult {
  /** `[T, k]` i32 expert ids, best first. */
  readonly topkIds: Tensor;
  /** `[T, k]` f32 combine weights. */
  readonly topkWeights: Tensor;
}

const OP = 'moeTopk';

export const moeTopk = defineOp<MoeTopkArgs, MoeTopkPlan, MoeTopkResult>({
  name: OP,
  doc:
    'Top-k MoE routing on the device. Per token t: score[e] = softmax(logits[t])[e] (or sigmoid(logits[t, e])). ' +
    'Selection key: without bias the logit itself (softmax and sigmoid are increasing, so this is the score ' +
    'order and every backend selects exactly alike); with bias, score[e] + bias[e]. The k experts are taken ' +
    'in decreasing key order, equal keys by lower expert id first; topkIds[t, j] is the j-th best. ' +
    'Group-limited (numGroups G, topkGroup TG): group g = experts [g·E/G, (g+1)·E/G); its score is the sum of ' +
    'its two best keys with bias and more than one expert per group (V3 noaux_tc), else its best key (V2); the ' +
    'TG best groups (equal scores: lower group id) are allowed and the k experts are chosen among them only. ' +
    'Weights: w_j = score[id_j], divided by Σ_j score[id_j] when renormalize, times scale; the reference ' +
    'computes scores and weights in float64 and rounds once to f32 (devices compute in f32).',
  validate(args, mode: ValidateMode = 'full') {
    moeOperand(args.logits, `${OP}.logits`, MOE_FLOAT_DTYPES, [undefined, undefined], ['T', 'E']);
    const [tokens, experts] = args.logits.shape;
    if (experts < 1)
      fail('E_SHAPE', 'at least one expert is needed', {
        arg: `${OP}.logits`,
        expected: 'E >= 1',
        actual: experts,
      });
    const k = moeIntOption(args.topK, `${OP}.topK`, undefined, experts);
    const scoring = option(args.scoring, `${OP}.scoring`, ['softmax', 'sigmoid'] as const, 'softmax');
    const renormalize = boolOption(args.renormalize, `${OP}.renormalize`, scoring === 'sigmoid');
    const scale = args.scale ?? 1;
    if (typeof scale !== 'number' || !Number.isFinite(scale))
      fail('E_RANGE', 'scale must be a finite number', {
        arg: `${OP}.scale`,
        expected: 'finite',
        actual: scale,
      });
    if (args.bias !== undefined) {
      moeOperand(args.bias, `${OP}.bias`, ['f32'], [experts], ['E']);
      const raw = mode === 'full' ? readBytesSync(args.bias) : null;
      if (raw) {
        const b = decodeArray(args.bias.dtype, raw);
        const i = b.findIndex((v) => !Number.isFinite(v));
        if (i >= 0)
          fail('E_RANGE', 'bias must be finite', {
            arg: `${OP}.bias`,
            expected: 'finite',
            actual: `${b[i]} at ${i}`,
          });
      }
    }
    // 'full' reads device-resident logits too (one synchronous copy); 'fast' never reads device memory.
    const rawLogits = mode === 'full' ? readBytesSync(args.logits) : null;
    if (rawLogits) {
      const x = decodeArray(args.logits.dtype, rawLogits);
      const i = x.findIndex((v) => !Number.isFinite(v));
      if (i >= 0)
        fail('E_RANGE', 'router logits must be finite', {
          arg: `${OP}.logits`,
          expected: 'finite values',
          actual: `${x[i]} at [${Math.floor(i / experts)}, ${i % experts}]`,
        });
    }
    let numGroups = 1;
    let topkGroup = 1;
    if (args.numGroups !== undefined || args.topkGroup !== undefined) {
      numGroups = moeIntOption(args.numGroups, `${OP}.numGroups`, undefined, 32);
      topkGroup = moeIntOption(args.topkGroup, `${OP}.topkGroup`, undefined, numGroups);
      if (experts % numGroups !== 0)
        fail('E_SHAPE', 'numGroups must divide the number of experts', {
          arg: `${OP}.numGroups`,
          expected: `a divisor of ${experts}`,
          actual: numGroups,
        });
      if (k > (topkGroup * experts) / numGroups)
        fail('E_RANGE', 'topK exceeds the experts of the selected groups', {
          arg: `${OP}.topK`,
          expected: `<= ${(topkGroup * experts) / numGroups}`,
          actual: k,
        });
    }
    moeOut(args.outIds, `${OP}.outIds`, 'i32', [tokens, k]);
    moeOut(args.outWeights, `${OP}.outWeights`, 'f32', [tokens, k]);
    return {
      tokens,
      experts,
      k,
      scoring,
      renormalize,
      hasBias: args.bias !== undefined,
      scale,
      numGroups,
      topkGroup,
      inDtype: args.logits.dtype as MoeTopkPlan['inDtype'],
    };
  },
  flops: (p) => p.tokens * p.experts * (4 + 2 * p.k),
  bytes: (p) =>
    p.tokens * p.experts * (p.inDtype === 'f32' ? 4 : 2) +
    (p.hasBias ? 4 * p.experts : 0) +
    8 * p.tokens * p.k,
});
