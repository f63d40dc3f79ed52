import { fail } from '../../errors.js';
import type { Tensor } from '../../tensor.js';

/** Head counts and index dims the lightning-indexer ops support on every backend. */
export const INDEXER_HEADS: readonly number[] = [8, 16, 32, 64];
export const INDEXER_DIMS: readonly number[] = [64, 128];
export const INDEXER_BLOCK_KV: readonly number[] = [32, 64];

export function checkIndexerHeadsDim(q: Tensor, arg: string, heads: number, dim: number): void {
  if (!INDEXER_HEADS.includes(heads))
    fail('E_UNSUPPORTED', 'unsupported number of heads', { arg, expected: INDEXER_HEADS, actual: q.shape });
  if (!INDEXER_DIMS.includes(dim))
    fail('E_UNSUPPORTED', 'unsupported index dimension', { arg, expected: INDEXER_DIMS, actual: q.shape });
}

export function checkBool(v: unknown, arg: string): asserts v is boolean {
  if (typeof v !== 'boolean')
    fail('E_UNSUPPORTED', 'expected a boolean', { arg, expected: 'boolean', actual: v });
}

/** `contextLens` is `[B]` or `[B, nextN]`. Returns whether it is the 2-D form. */
export function checkContextLensShape(
  t: Tensor,
  arg: string,
  batch: number | undefined,
  nextN?: number,
): boolean {
  if (t.rank !== 1 && t.rank !== 2)
    fail('E_SHAPE', 'contextLens must be [B] or [B, nextN]', {
      arg,
      expected: '[B] or [B, nextN]',
      actual: t.shape,
    });
  if (batch !== undefined && t.shape[0] !== batch)
    fail('E_SHAPE', 'dimension B mismatch', { arg, expected: batch, actual: t.shape });
  if (t.rank === 2 && nextN !== undefined && t.shape[1] !== nextN)
    fail('E_SHAPE', 'dimension nextN mismatch', { arg, expected: [batch ?? '*', nextN], actual: t.shape });
  if (t.dtype !== 'i32') fail('E_DTYPE', 'unsupported dtype', { arg, expected: ['i32'], actual: t.dtype });
  return t.rank === 2;
}
