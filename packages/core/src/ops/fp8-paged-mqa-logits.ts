import { checkContiguous, checkInt } from '../check.js';
import { fail } from '../errors.js';
import { defineOp, type ValidateMode } from '../op.js';
import type { Tensor } from '../tensor.js';
import { hostIndexValues } from './grouped/host-index.js';
import {
  checkBool,
  checkContextLensShape,
  checkIndexerHeadsDim,
  INDEXER_BLOCK_KV,
} from './grouped/indexer-operands.js';
import { cdiv } from './grouped/math.js';
import { pagedMqaSchedule, scheduleLengths, splitKvTokens } from './grouped/mqa-schedule.js';
import { checkMajorDim, checkOperand, checkOutInner } from './grouped/operands.js';

export interface Fp8PagedMqaLogitsArgs {
  /** `[B, nextN, H, D]` e4m3 queries, D contiguous. H ∈ {8, 16, 32, 64}, D ∈ {64, 128}. */
  q: Tensor;
  /**
   * `[numBlocks, blockKv, 1, D + 4]` u8, contiguous. Page p holds `blockKv·D` e4m3 key bytes first (token s at
   * byte `s·D`), then `blockKv` little-endian f32 scales (token s at byte `blockKv·D + 4·s`). blockKv ∈ {32, 64}.
   */
  fusedKvCache: Tensor;
  /** `[B·nextN, H]` f32 head weights. */
  weights: Tensor;
  /** `[B]` (draft token t sees `contextLens[b] − nextN + t + 1` positions) or `[B, nextN]` (sees contextLens[b,t]). */
  contextLens: Tensor;
  /** `[B, maxBlocks]` int32: page of position j is `blockTable[b, floor(j / blockKv)]`; unused tail entries are ignored. */
  blockTable: Tensor;
  /** `[numSms + 1, 2]` int32 from getPagedMqaLogitsMetadata with the same contextLens and blockKv. */
  scheduleMeta: Tensor;
  /** Width of the logits; every visible range must fit. */
  maxContextLen: number;
  /** Write −inf at positions `[count, maxContextLen)`; without it they are left untouched. */
  cleanLogits: boolean;
  /** `[B·nextN, maxContextLen]` f32, innermost contiguous. */
  out?: Tensor;
}

export interface Fp8PagedMqaLogitsPlan {
  batch: number;
  nextN: number;
  heads: number;
  dim: number;
  numBlocks: number;
  blockKv: number;
  maxBlocks: number;
  numSms: number;
  twoD: boolean;
  maxContextLen: number;
  cleanLogits: boolean;
  outShape: [number, number];
  /** Σ visible positions over all query rows (host-readable lengths), else rows·maxContextLen. */
  visible: number;
}

const OP = 'fp8PagedMqaLogits';

export const fp8PagedMqaLogits = defineOp<Fp8PagedMqaLogitsArgs, Fp8PagedMqaLogitsPlan, Tensor>({
  name: OP,
  doc:
    'Paged lightning indexer (DeepSeek-V3.2): for query row i = b·nextN + t and visible position ' +
    'j < count(b,t) (1-D contextLens: contextLens[b] − nextN + t + 1; 2-D: contextLens[b,t]), with page ' +
    'p = blockTable[b, j/blockKv], slot s = j mod blockKv, k_j the e4m3 key and scale_j the f32 scale of (p, s): ' +
    'out[i, j] = round_f32( Σ_h weights[i,h] · relu(scale_j · Σ_d q[b,t,h,d]·k_j[d]) ), float64 accumulation. ' +
    'Positions j in [max(count,0), maxContextLen) are −inf with cleanLogits, else untouched. scheduleMeta only ' +
    'partitions the work (the result does not depend on it); full validation requires it to equal the schedule ' +
    'getPagedMqaLogitsMetadata computes for these contextLens and blockKv.',
  validate(args, mode: ValidateMode = 'full') {
    checkOperand(
      args.q,
      `${OP}.q`,
      ['e4m3'],
      [undefined, undefined, undefined, undefined],
      ['B', 'nextN', 'H', 'D'],
    );
    const [batch, nextN, heads, dim] = args.q.shape;
    checkIndexerHeadsDim(args.q, `${OP}.q`, heads, dim);
    checkMajorDim(args.q, `${OP}.q`, 3, 'D');
    checkOperand(
      args.fusedKvCache,
      `${OP}.fusedKvCache`,
      ['u8'],
      [undefined, undefined, 1, dim + 4],
      ['numBlocks', 'blockKv', '1', 'D + 4'],
    );
    const [numBlocks, blockKv] = args.fusedKvCache.shape;
    if (!INDEXER_BLOCK_KV.includes(blockKv))
      fail('E_UNSUPPORTED', 'unsupported KV page size (blockKv)', {
        arg: `${OP}.fusedKvCache`,
        expected: INDEXER_BLOCK_KV,
        actual: args.fusedKvCache.shape,
      });
    checkContiguous(args.fusedKvCache, `${OP}.fusedKvCache`);
    checkOperand(args.weights, `${OP}.weights`, ['f32'], [batch * nextN, heads], ['B·nextN', 'H']);
    const twoD = checkContextLensShape(args.contextLens, `${OP}.contextLens`, batch, nextN);
    checkOperand(args.blockTable, `${OP}.blockTable`, ['i32'], [batch, undefined], ['B', 'maxBlocks']);
    const maxBlocks = args.blockTable.shape[1];
    checkOperand(args.scheduleMeta, `${OP}.scheduleMeta`, ['i32'], [undefined, 2], ['numSms + 1', '2']);
    const numSms = args.scheduleMeta.shape[0] - 1;
    if (numSms < 1)
      fail('E_SHAPE', 'scheduleMeta needs at least one SM row plus the end row', {
        arg: `${OP}.scheduleMeta`,
        expected: '[numSms + 1, 2], numSms >= 1',
        actual: args.scheduleMeta.shape,
      });
    checkInt(args.maxContextLen, `${OP}.maxContextLen`, 0);
    const maxContextLen = args.maxContextLen;
    checkBool(args.cleanLogits, `${OP}.cleanLogits`);
    if (args.out) {
      checkOperand(
        args.out,
        `${OP}.out`,
        ['f32'],
        [batch * nextN, maxContextLen],
        ['B·nextN', 'maxContextLen'],
      );
      checkOutInner(args.out, `${OP}.out`);
    }
    let visible = batch * nextN * maxContextLen;
    const lens = mode === 'full' ? hostIndexValues(args.contextLens) : null;
    if (lens) {
      lens.forEach((l, i) => {
        if (l < 0 || l > maxContextLen)
          fail('E_RANGE', `context length ${i} outside [0, maxContextLen]`, {
            arg: `${OP}.contextLens`,
            expected: `[0, ${maxContextLen}]`,
            actual: l,
          });
      });
      const lengths = scheduleLengths(lens, batch, nextN, twoD);
      visible = 0;
      for (let b = 0; b < batch; b++)
        for (let t = 0; t < nextN; t++)
          visible += Math.max(0, twoD ? lens[b * nextN + t] : lens[b] - nextN + t + 1);
      const table = hostIndexValues(args.blockTable);
      if (table)
        lengths.forEach((len, b) => {
          const pages = cdiv(len, blockKv);
          if (pages > maxBlocks)
            fail('E_RANGE', `block table too short for sequence ${b}`, {
              arg: `${OP}.blockTable`,
              expected: `>= ${pages} pages (context ${len}, blockKv ${blockKv})`,
              actual: args.blockTable.shape,
            });
          for (let p = 0; p < pages; p++) {
            const page = table[b * maxBlocks + p];
            if (page < 0 || page >= numBlocks)
              fail('E_RANGE', `page id out of range at blockTable[${b}, ${p}]`, {
                arg: `${OP}.blockTable`,
                expected: `[0, ${numBlocks})`,
                actual: page,
              });
          }
        });
      const meta = hostIndexValues(args.scheduleMeta);
      if (meta) {
        const want = pagedMqaSchedule(lengths, splitKvTokens(blockKv), numSms);
        const at = want.findIndex((v, i) => v !== meta[i]);
        if (at >= 0)
          fail('E_RANGE', 'scheduleMeta does not match contextLens / blockKv (recompute it)', {
            arg: `${OP}.scheduleMeta`,
            expected: `row ${at >> 1} = (${want[at & ~1]}, ${want[at | 1]})`,
            actual: `(${meta[at & ~1]}, ${meta[at | 1]})`,
          });
      }
    }
    return {
      batch,
      nextN,
      heads,
      dim,
      numBlocks,
      blockKv,
      maxBlocks,
      numSms,
      twoD,
      maxContextLen,
      cleanLogits: args.cleanLogits,
      outShape: [batch * nextN, maxContextLen],
      visible,
    };
  },
  flops: (p) => p.visible * p.heads * (2 * p.dim + 3),
  bytes: (p) =>
    p.batch * p.nextN * p.heads * (p.dim + 4) +
    (p.visible / Math.max(1, p.nextN)) * (p.dim + 4) +
    4 * p.batch * p.maxBlocks +
    4 * p.batch * p.nextN * p.maxContextLen,
});
