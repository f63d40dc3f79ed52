import { encodeArray } from '../../codec.js';
import type { DType } from '../../dtype.js';
import { pagedMqaSchedule, scheduleLengths, splitKvTokens } from '../../ops/grouped/mqa-schedule.js';
import { Random, tensorFrom } from '../../random.js';
import { Tensor } from '../../tensor.js';
import { rnd } from './common.js';

/** Case builders shared by the grouped MoE / indexer conformance cases. */

export const i32 = (values: readonly number[], shape: readonly number[] = [values.length]): Tensor =>
  tensorFrom('i32', shape, values);
export const i64 = (values: readonly number[], shape: readonly number[] = [values.length]): Tensor =>
  tensorFrom('i64', shape, values);

/** Row layouts of a contiguous MoE batch for the three ragged-M modes, from per-expert counts. */
export function raggedLayout(counts: readonly number[], alignment: number) {
  const mIndices: number[] = [];
  const psum: number[] = [];
  let end = 0;
  counts.forEach((c, e) => {
    const start = Math.ceil(end / alignment) * alignment;
    while (mIndices.length < start) mIndices.push(-1);
    for (let i = 0; i < c; i++) mIndices.push(e);
    end = start + c;
    psum.push(end);
  });
  return { m: end, mIndices, psum, counts: [...counts] };
}

/** `[rows, cols]` fp8 operand whose `cols` dimension is NOT contiguous (drawn `[cols, rows]`, transposed). */
export function transposed(dtype: DType, rows: number, cols: number, seed: number, salt: number): Tensor {
  return rnd(dtype, [cols, rows], seed, salt).transpose(0, 1);
}

/** A leading-dim transposed view of a `[E, X, Y]` operand so that X is contiguous (Y strided). */
export function transposedLast(
  dtype: DType,
  e: number,
  x: number,
  y: number,
  seed: number,
  salt: number,
): Tensor {
  return rnd(dtype, [e, y, x], seed, salt).transpose(1, 2);
}

export interface PagedKv {
  cache: Tensor;
  numBlocks: number;
}

/** Fused paged KV cache `[numBlocks, blockKv, 1, D+4]` u8: per page blockKv·D e4m3 bytes then blockKv f32 scales. */
export function pagedKvCache(numBlocks: number, blockKv: number, dim: number, seed: number): PagedKv {
  const rng = new Random(seed);
  const page = blockKv * (dim + 4);
  const bytes = new Uint8Array(numBlocks * page);
  const keys = new Float64Array(blockKv * dim);
  const scales = new Float64Array(blockKv);
  for (let p = 0; p < numBlocks; p++) {
    rng.fillNormal(keys, 0, 1);
    bytes.set(encodeArray('e4m3', keys, { saturate: true }), p * page);
    rng.fillUniform(scales, 0.01, 0.1);
    bytes.set(encodeArray('f32', scales), p * page + blockKv * dim);
  }
  return { cache: Tensor.host('u8', [numBlocks, blockKv, 1, dim + 4], bytes), numBlocks };
}

/** The schedule tensor the contract expects (computed on the host with the documented rule). */
export function scheduleFor(
  lens: readonly number[],
  batch: number,
  nextN: number,
  twoD: boolean,
  blockKv: number,
  numSms: number,
): Tensor {
  const meta = pagedMqaSchedule(scheduleLengths(lens, batch, nextN, twoD), splitKvTokens(blockKv), numSms);
  return i32([...meta], [numSms + 1, 2]);
}

/** A block table `[B, maxBlocks]` using distinct shuffled pages, the unused tail filled with `tail` (e.g. -1). */
export function blockTableFor(
  pagesPerSeq: readonly number[],
  maxBlocks: number,
  numBlocks: number,
  seed: number,
  tail = -1,
): Tensor {
  const rng = new Random(seed);
  const ids = Array.from({ length: numBlocks }, (_, i) => i);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  const table: number[] = [];
  let next = 0;
  for (const n of pagesPerSeq)
    for (let p = 0; p < maxBlocks; p++) table.push(p < n ? ids[next++ % numBlocks] : tail);
  return i32(table, [pagesPerSeq.length, maxBlocks]);
}
