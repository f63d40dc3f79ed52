import { Random, tensorFrom } from '../../random.js';
import type { Tensor } from '../../tensor.js';

/** Builders shared by the device-MoE conformance cases (moeTopk, moeAlignLayout, moePermute, ...). */

/**
 * `[T, E]` router logits whose keys are far apart (each row is a shuffled ramp with step 0.05 plus tiny
 * noise), so f32 device math and the float64 reference can never disagree on the selection order.
 */
export function routerLogits(
  dtype: 'f32' | 'f16' | 'bf16',
  tokens: number,
  experts: number,
  seed: number,
): Tensor {
  const rng = new Random(seed);
  const v = new Float64Array(tokens * experts);
  for (let t = 0; t < tokens; t++) {
    const perm = shuffled(rng, experts);
    for (let e = 0; e < experts; e++)
      v[t * experts + e] = (perm[e] - experts / 2) * 0.05 + rng.uniform() * 1e-3;
  }
  return tensorFrom(dtype, [tokens, experts], v);
}

/** Logits with exactly equal entries in every row (tie-breaking by lower expert id is then observable). */
export function tiedLogits(tokens: number, experts: number, seed: number): Tensor {
  const rng = new Random(seed);
  const v = new Float64Array(tokens * experts);
  for (let i = 0; i < v.length; i++) v[i] = rng.int(0, 4) * 0.5;
  return tensorFrom('f32', [tokens, experts], v);
}

function shuffled(rng: Random, n: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/**
 * `[T, k]` i32 expert ids: k distinct experts per token (skewed towards low ids so some experts get many
 * rows and some none); a fraction `drop` of the slots is -1.
 */
export function routedIds(tokens: number, k: number, experts: number, seed: number, drop = 0): Tensor {
  const rng = new Random(seed);
  const v = new Int32Array(tokens * k);
  for (let t = 0; t < tokens; t++) {
    const chosen = new Set<number>();
    for (let j = 0; j < k; j++) {
      let e: number;
      do e = Math.min(experts - 1, Math.floor(experts * rng.uniform() ** 2));
      while (chosen.has(e));
      chosen.add(e);
      v[t * k + j] = rng.uniform() < drop ? -1 : e;
    }
  }
  return tensorFrom('i32', [tokens, k], v);
}

/** Host reference of moeAlignLayout's maps (independent of the CPU kernel), for building permute cases. */
export function hostRowMaps(
  ids: Int32Array,
  tokens: number,
  k: number,
  experts: number,
  alignment: number,
  rows: number,
): { tokenOf: Int32Array; rowOf: Int32Array } {
  const counts = new Array<number>(experts).fill(0);
  for (const e of ids) if (e >= 0) counts[e]++;
  const next = new Array<number>(experts);
  let start = 0;
  for (let e = 0; e < experts; e++) {
    next[e] = start;
    start = Math.ceil((start + counts[e]) / alignment) * alignment;
  }
  const tokenOf = new Int32Array(rows).fill(-1);
  const rowOf = new Int32Array(tokens * k).fill(-1);
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] < 0) continue;
    const r = next[ids[i]]++;
    rowOf[i] = r;
    tokenOf[r] = Math.floor(i / k);
  }
  return { tokenOf, rowOf };
}
