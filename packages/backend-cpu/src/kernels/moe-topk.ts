import type { KernelFn } from '@gemmkit/core';
import { outputTensor, readF64, writeF64 } from '../host.js';

/** Reference top-k routing: scores and weights in float64, rounded once to f32; ties to the lower id. */
export const moeTopk: KernelFn<'moeTopk'> = (plan, args, kctx) => {
  const { tokens: T, experts: E, k } = plan;
  const x = readF64(args.logits);
  const bias = args.bias ? readF64(args.bias) : null;
  const ids = new Float64Array(T * k);
  const w = new Float64Array(T * k);
  const score = new Float64Array(E);
  const key = new Float64Array(E);
  const G = plan.numGroups;
  const per = E / G;
  const grouped = plan.topkGroup < G;
  const groupScore = new Float64Array(G);
  for (let t = 0; t < T; t++) {
    const row = x.subarray(t * E, (t + 1) * E);
    if (plan.scoring === 'softmax') {
      let max = Number.NEGATIVE_INFINITY;
      for (let e = 0; e < E; e++) max = Math.max(max, row[e]);
      let sum = 0;
      for (let e = 0; e < E; e++) sum += score[e] = Math.exp(row[e] - max);
      for (let e = 0; e < E; e++) score[e] /= sum;
    } else for (let e = 0; e < E; e++) score[e] = 1 / (1 + Math.exp(-row[e]));
    // Without bias the logit orders the experts exactly as the score does (and with no rounding).
    for (let e = 0; e < E; e++) key[e] = bias ? score[e] + bias[e] : row[e];
    let order = Array.from({ length: E }, (_, e) => e);
    if (grouped) {
      for (let g = 0; g < G; g++) {
        const keys = Array.from(key.subarray(g * per, (g + 1) * per)).sort((a, b) => b - a);
        groupScore[g] = bias && per > 1 ? keys[0] + keys[1] : keys[0];
      }
      const best = Array.from({ length: G }, (_, g) => g)
        .sort((a, b) => groupScore[b] - groupScore[a] || a - b)
        .slice(0, plan.topkGroup);
      order = order.filter((e) => best.includes(Math.floor(e / per)));
    }
    order.sort((a, b) => key[b] - key[a] || a - b);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += score[order[j]];
    for (let j = 0; j < k; j++) {
      const e = order[j];
      ids[t * k + j] = e;
      w[t * k + j] = (plan.renormalize ? score[e] / sum : score[e]) * plan.scale;
    }
  }
  const topkIds = outputTensor(kctx, args.outIds, 'i32', [T, k]);
  const topkWeights = outputTensor(kctx, args.outWeights, 'f32', [T, k]);
  writeF64(topkIds, ids);
  writeF64(topkWeights, w);
  return { topkIds, topkWeights };
};
