import { checkInt, checkTensor } from '../check.js';
import { defineOp } from '../op.js';
import type { Tensor } from '../tensor.js';
import { checkContextLensShape } from './grouped/indexer-operands.js';
import { splitKvTokens } from './grouped/mqa-schedule.js';
import { checkOperand, checkOutInner, option } from './grouped/operands.js';

export interface GetPagedMqaLogitsMetadataArgs {
  /** `[B]` or `[B, nextN]` int32 context lengths (any strides); pass the same tensor to fp8PagedMqaLogits. */
  contextLens: Tensor;
  /** Tokens per KV page: 32 or 64 (default 64). */
  blockKv?: number;
  /** Number of SMs (workers) to split over, ≥ 1. */
  numSms: number;
  /** `[numSms + 1, 2]` int32. */
  out?: Tensor;
}

export interface GetPagedMqaLogitsMetadataPlan {
  batch: number;
  nextN: number;
  twoD: boolean;
  blockKv: number;
  numSms: number;
  /** Tokens per split (4 pages). */
  splitKv: number;
  outShape: [number, 2];
}

const OP = 'getPagedMqaLogitsMetadata';

export const getPagedMqaLogitsMetadata = defineOp<
  GetPagedMqaLogitsMetadataArgs,
  GetPagedMqaLogitsMetadataPlan,
  Tensor
>({
  name: OP,
  doc:
    'Schedule of the paged MQA logits indexer. L[b] = contextLens[b] (1-D) or max_t contextLens[b,t] (2-D), ' +
    'negative as 0; splits[b] = ceil(L[b] / (4·blockKv)); total = Σ splits; SM i starts at global split ' +
    'g(i) = i·floor(total/numSms) + min(i, total mod numSms). out[i] = (b, s) with g(i) = Σ_{c<b} splits[c] + s, ' +
    's < splits[b] (empty sequences skipped); out[numSms] = (B, 0). SM i works on [out[i], out[i+1]).',
  validate(args) {
    checkTensor(args.contextLens, `${OP}.contextLens`);
    const twoD = checkContextLensShape(args.contextLens, `${OP}.contextLens`, undefined);
    const blockKv = option(args.blockKv, `${OP}.blockKv`, [32, 64], 64);
    checkInt(args.numSms, `${OP}.numSms`, 1, 1 << 20);
    const numSms = args.numSms;
    if (args.out) {
      checkOperand(args.out, `${OP}.out`, ['i32'], [numSms + 1, 2], ['numSms + 1', '2']);
      checkOutInner(args.out, `${OP}.out`);
    }
    return {
      batch: args.contextLens.shape[0],
      nextN: twoD ? args.contextLens.shape[1] : 1,
      twoD,
      blockKv,
      numSms,
      splitKv: splitKvTokens(blockKv),
      outShape: [numSms + 1, 2],
    };
  },
  flops: () => 0,
  bytes: (p) => 4 * p.batch * p.nextN + 8 * (p.numSms + 1),
});
