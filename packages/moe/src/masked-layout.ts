import { fail, type Tensor } from '@gemmkit/core';
import { checkDtype, checkHost, checkPositiveInt, hostValues, i32Tensor } from './host.js';

/**
 * Masked MoE layout, brief §8: A is `[E, maxM, K]`, expert e's tokens fill rows `[0, maskedM[e])` of slab e
 * (in increasing token order); rows at or beyond maskedM[e] are never read by the masked GEMMs.
 */
export interface MaskedLayout {
  readonly numExperts: number;
  readonly maxM: number;
  /** `[E]` i32 rows used in each expert's slab. */
  readonly maskedM: Tensor;
  /** Host hint for the kernels: ceil(mean of maskedM), at least 1 and at most maxM. */
  readonly expectedM: number;
  /** `[T, k]` i32 flat row (`e·maxM + slot`) of each (token, slot); -1 for dropped slots. */
  readonly rowOf: Tensor;
  /** `E·maxM`: rows of the flattened `[E·maxM, ...]` view. */
  readonly totalRows: number;
}

export function maskedLayout(
  topkIds: Tensor,
  numExperts: number,
  opts: { maxM?: number } = {},
): MaskedLayout {
  const op = 'moe.maskedLayout';
  checkHost(topkIds, `${op}.topkIds`);
  checkDtype(topkIds, `${op}.topkIds`, ['i32', 'i64']);
  if (topkIds.rank !== 2)
    fail('E_SHAPE', 'topkIds must be [T, k]', {
      arg: `${op}.topkIds`,
      expected: 'rank 2',
      actual: topkIds.shape,
    });
  checkPositiveInt(numExperts, `${op}.numExperts`);
  const ids = hostValues(topkIds);
  const counts = new Int32Array(numExperts);
  const rowOf = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const e = ids[i];
    if (e === -1) {
      rowOf[i] = -1;
      continue;
    }
    if (!(e >= 0 && e < numExperts))
      fail('E_RANGE', 'expert id out of range', {
        arg: `${op}.topkIds`,
        expected: `-1 or [0, ${numExperts})`,
        actual: `${e} at flat index ${i}`,
      });
    rowOf[i] = counts[e]++;
  }
  const most = counts.reduce((a, b) => Math.max(a, b), 0);
  const maxM = opts.maxM ?? Math.max(most, 1);
  checkPositiveInt(maxM, `${op}.maxM`);
  if (maxM < most)
    fail('E_RANGE', 'an expert receives more tokens than maxM', {
      arg: `${op}.maxM`,
      expected: `>= ${most}`,
      actual: maxM,
    });
  for (let i = 0; i < ids.length; i++) if (ids[i] !== -1) rowOf[i] += ids[i] * maxM;
  const mean = counts.reduce((a, b) => a + b, 0) / numExperts;
  return {
    numExperts,
    maxM,
    maskedM: i32Tensor(counts, [numExperts]),
    expectedM: Math.min(maxM, Math.max(1, Math.ceil(mean))),
    rowOf: i32Tensor(rowOf, [...topkIds.shape]),
    totalRows: numExperts * maxM,
  };
}
