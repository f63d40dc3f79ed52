import { decodeArray, type KernelFn, visibleKv } from '@gemmkit/core';
import { outputTensor, readF64, readInts, storageBytes } from '../host.js';
import { raiseIndexStatus, writeMaskedRow } from './grouped-common.js';
import { indexerLogit } from './indexer-logits.js';

/**
 * Paged lightning indexer. Keys are decoded page by page from the fused cache bytes (blockKv·D e4m3 bytes,
 * then blockKv little-endian f32 scales). Bad data (fast validation only) is clamped/skipped: visible
 * counts are limited to the logits width and the block table, pages outside the cache are skipped.
 */
export const fp8PagedMqaLogits: KernelFn<'fp8PagedMqaLogits'> = (plan, args, kctx) => {
  const { batch, nextN, heads, dim, numBlocks, blockKv, maxBlocks, twoD, maxContextLen, cleanLogits } = plan;
  const out = outputTensor(kctx, args.out, 'f32', plan.outShape);
  const q = readF64(args.q);
  const w = readF64(args.weights);
  const lens = readInts(args.contextLens);
  const table = readInts(args.blockTable);
  const cache = storageBytes(args.fusedKvCache, 'fp8PagedMqaLogits.fusedKvCache');
  const base = args.fusedKvCache.offset; // u8 elements are bytes; the cache is contiguous (validated)
  const pageBytes = blockKv * (dim + 4);
  const view = new DataView(cache.buffer, cache.byteOffset, cache.byteLength);
  const pages = new Map<number, { keys: Float32Array; scales: Float64Array }>();
  const page = (p: number) => {
    let pg = pages.get(p);
    if (!pg) {
      const at = base + p * pageBytes;
      const keys = decodeArray('e4m3', cache.subarray(at, at + blockKv * dim));
      const scales = new Float64Array(blockKv);
      for (let s = 0; s < blockKv; s++) scales[s] = view.getFloat32(at + blockKv * dim + 4 * s, true);
      pg = { keys, scales };
      pages.set(p, pg);
    }
    return pg;
  };
  let badLens = 0;
  let badPages = 0;
  const limit = Math.min(maxContextLen, maxBlocks * blockKv);
  const values = new Float64Array(maxContextLen);
  const mask = new Uint8Array(maxContextLen);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < nextN; t++) {
      const row = b * nextN + t;
      const raw = visibleKv(lens, b, t, nextN, twoD);
      const count = Math.max(0, raw);
      if ((twoD ? raw : lens[b]) < 0 || count > limit) badLens++;
      const visible = Math.min(count, limit);
      mask.fill(0);
      for (let j = 0; j < visible; j++) {
        const p = table[b * maxBlocks + Math.floor(j / blockKv)];
        if (!(Number.isInteger(p) && p >= 0 && p < numBlocks)) {
          if (j % blockKv === 0) badPages++;
          continue;
        }
        const pg = page(p);
        const s = j % blockKv;
        values[j] = indexerLogit(
          q,
          row * heads * dim,
          heads,
          dim,
          pg.keys,
          s * dim,
          pg.scales[s],
          w,
          row * heads,
        );
        mask[j] = 1;
      }
      if (cleanLogits)
        for (let j = Math.min(count, maxContextLen); j < maxContextLen; j++) {
          values[j] = Number.NEGATIVE_INFINITY;
          mask[j] = 1;
        }
      writeMaskedRow(out.narrow(0, row, 1), values, mask);
    }
  }
  raiseIndexStatus('fp8PagedMqaLogits', 'contextLens', badLens);
  raiseIndexStatus('fp8PagedMqaLogits', 'blockTable', badPages);
  return out;
};
