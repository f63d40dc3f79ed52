import type {
  Fp8MqaLogitsArgs,
  Fp8MqaLogitsPlan,
  Fp8PagedMqaLogitsArgs,
  Fp8PagedMqaLogitsPlan,
  Tensor,
} from '@gemmkit/core';
import type { DevicePtr } from '../../bindings/types.js';
import type { CudaRuntime } from '../../runtime/index.js';

/**
 * Launchers of the Hopper lightning indexer (kernels/sm90/mqa_logits_sm90.cu): one FP8 wgmma per 64-token KV
 * tile with A = the keys and B = a block of query rows × heads, TMA ring on mbarriers, scale/ReLU/weights/head
 * sum in registers; decode is persistent over getPagedMqaLogitsMetadata's rows. See docs/indexer.md.
 * The op launchers call `...Applies` and, when true, the matching launch; otherwise the portable kernel runs.
 */

export interface Sm90MqaConfig {
  /** 0 = paged decode, 1 = non-paged prefill. */
  mode: 0 | 1;
  heads: number;
  /** Query rows per wgmma: nextN (decode) or 256 / heads (prefill). */
  nq: number;
  /** Tokens per KV page (decode); 64 for prefill (unused there). */
  blockKv: 32 | 64;
  stages: number;
}

const FILE = 'sm90/mqa_logits_sm90.cu';
const KERNEL = 'mqa_logits_sm90';
const DIM = 128;
const TILE = 64;
const THREADS = 384;
const HEADS = [8, 16, 32, 64] as const;
const INT32_MAX = 2 ** 31 - 1;

const cdiv = (a: number, b: number) => Math.floor((a + b - 1) / b);
const isPow2 = (x: number) => Number.isInteger(x) && x > 0 && (x & (x - 1)) === 0;

/**
 * Deterministic config rule. Decode: the wgmma N is nextN·heads (one sequence's draft tokens share each key
 * tile), 16 stages of 64 keys in flight (memory-bound: ~135 KB per SM in flight). Prefill: N = 256 query-row ×
 * head columns (the largest wgmma N: each key tile read from L2 feeds the most MMA work), 10 stages.
 */
export function chooseSm90MqaConfig(
  kind: 'paged' | 'prefill',
  heads: number,
  nextN = 1,
  blockKv: 32 | 64 = 64,
): Sm90MqaConfig {
  return kind === 'paged'
    ? { mode: 0, heads, nq: nextN, blockKv, stages: 16 }
    : { mode: 1, heads, nq: 256 / heads, blockKv: 64, stages: 10 };
}

/** Dynamic shared memory of one CTA (must match GK_SMEM_BYTES in the kernel). */
export function sm90MqaSmemBytes(cfg: Sm90MqaConfig): number {
  const n = cfg.nq * cfg.heads;
  const wSlot = cdiv(n * 4, 128) * 128;
  return 1024 + 2 * n * DIM + cfg.stages * (TILE * DIM + TILE * 4) + 2 * wSlot + 2048;
}

function defines(cfg: Sm90MqaConfig): Record<string, number> {
  return { MODE: cfg.mode, HEADS: cfg.heads, NQ: cfg.nq, BLOCK_KV: cfg.blockKv, STAGES: cfg.stages };
}

/** Every instantiation the launchers can pick, for the CUDA compile tier (sm_90a only). */
export const SM90_MQA_INSTANCES = Object.freeze([
  ...HEADS.flatMap((h) =>
    [1, 2, 4, 8, 16]
      .filter((n) => n * h <= 128)
      .flatMap((n) =>
        ([32, 64] as const).map((bkv) => ({
          file: FILE,
          names: [KERNEL],
          defines: defines(chooseSm90MqaConfig('paged', h, n, bkv)),
          archs: ['sm_90a'],
          hot: true,
        })),
      ),
  ),
  ...HEADS.map((h) => ({
    file: FILE,
    names: [KERNEL],
    defines: defines(chooseSm90MqaConfig('prefill', h)),
    archs: ['sm_90a'],
    hot: true,
  })),
]);

const contiguous = (t: Tensor) => {
  let s = 1;
  for (let i = t.shape.length - 1; i >= 0; i--) {
    if (t.shape[i] !== 1 && t.strides[i] !== s) return false;
    s *= t.shape[i];
  }
  return true;
};
const aligned16 = (rt: CudaRuntime, t: Tensor, arg: string) => rt.tensorAddress(t, arg) % 16n === 0n;
const hopper = (rt: CudaRuntime) => rt.device.arch === 'sm_90a' && rt.switches.sm90; // GEMMKIT_CUDA_SM90=0: portable

/**
 * The sm90 kernel handles this fp8PagedMqaLogits call: Hopper, D = 128, nextN·H a power of two ≤ 128, q and
 * weights dense and 16-byte aligned (TMA), the KV cache 16-byte aligned, block-table rows and the schedule
 * dense. Anything else runs on the portable kernel.
 */
export function sm90PagedMqaLogitsApplies(
  rt: CudaRuntime,
  plan: Fp8PagedMqaLogitsPlan,
  args: Fp8PagedMqaLogitsArgs,
): boolean {
  const op = 'fp8PagedMqaLogits';
  return (
    hopper(rt) &&
    plan.dim === DIM &&
    (plan.blockKv === 32 || plan.blockKv === 64) &&
    isPow2(plan.nextN) &&
    plan.nextN * plan.heads <= 128 &&
    plan.numBlocks >= 1 &&
    plan.batch * plan.nextN * plan.heads <= INT32_MAX &&
    plan.maxContextLen <= INT32_MAX &&
    contiguous(args.q) &&
    contiguous(args.weights) &&
    contiguous(args.scheduleMeta) &&
    (plan.maxBlocks <= 1 || args.blockTable.strides[1] === 1) &&
    aligned16(rt, args.q, `${op}.q`) &&
    aligned16(rt, args.weights, `${op}.weights`) &&
    aligned16(rt, args.fusedKvCache, `${op}.fusedKvCache`)
  );
}

/** Run fp8PagedMqaLogits on the sm90 kernel into `out` ([B·nextN, maxContextLen] f32, already allocated). */
export function launchSm90PagedMqaLogits(
  rt: CudaRuntime,
  plan: Fp8PagedMqaLogitsPlan,
  args: Fp8PagedMqaLogitsArgs,
  out: Tensor,
): void {
  const op = 'fp8PagedMqaLogits';
  const rows = plan.batch * plan.nextN;
  if (rows === 0 || plan.maxContextLen === 0) return;
  const cfg = chooseSm90MqaConfig('paged', plan.heads, plan.nextN, plan.blockKv as 32 | 64);
  const n = cfg.nq * cfg.heads;
  const bkv = plan.blockKv;
  const kv = rt.tensorAddress(args.fusedKvCache, `${op}.fusedKvCache`);
  const mapQ = rt.tensorMap({
    ptr: rt.tensorAddress(args.q, `${op}.q`),
    dtype: 'u8',
    shape: [rows * plan.heads, DIM],
    box: [n, DIM],
    swizzle: '128B',
  });
  const mapW = rt.tensorMap({
    ptr: rt.tensorAddress(args.weights, `${op}.weights`),
    dtype: 'f32',
    shape: [rows, plan.heads],
    box: [cfg.nq, plan.heads],
  });
  // Page p: bkv·128 key bytes (token s at s·128), then bkv f32 scales; pages bkv·132 bytes apart.
  const mapKv = rt.tensorMap({
    ptr: kv,
    dtype: 'u8',
    shape: [plan.numBlocks, bkv, DIM],
    strides: [bkv * (DIM + 4), DIM, 1],
    box: [1, bkv, DIM],
    swizzle: '128B',
  });
  const mapKs = rt.tensorMap({
    ptr: (kv + BigInt(bkv * DIM)) as DevicePtr,
    dtype: 'f32',
    shape: [plan.numBlocks, bkv],
    strides: [(bkv * (DIM + 4)) / 4, 1],
    box: [1, bkv],
  });
  const kernel = rt.getKernel({ file: FILE, name: KERNEL, arch: 'sm_90a', defines: defines(cfg) });
  kernel.launch({
    grid: [plan.numSms, 1, 1],
    block: [THREADS, 1, 1],
    sharedBytes: sm90MqaSmemBytes(cfg),
    args: [
      mapQ,
      mapW,
      mapKv,
      mapKs,
      args.contextLens,
      0n,
      { i64: args.contextLens.strides[0] ?? 0 },
      { i64: plan.twoD ? args.contextLens.strides[1] : 0 },
      { i32: plan.twoD ? 1 : 0 },
      args.blockTable,
      { i64: args.blockTable.strides[0] },
      { i32: plan.maxBlocks },
      { i32: plan.numBlocks },
      args.scheduleMeta,
      { i32: plan.batch },
      { i32: plan.nextN },
      { i32: plan.maxContextLen },
      out,
      { i64: out.strides[0] },
      { i32: plan.cleanLogits ? 1 : 0 },
      rt.status.arg(op),
    ],
  });
}

/**
 * The sm90 kernel handles this fp8MqaLogits call: Hopper, D = 128, every operand dense, q / k / kScale /
 * weights 16-byte aligned (TMA), at least one query row and one key.
 */
export function sm90MqaLogitsApplies(
  rt: CudaRuntime,
  plan: Fp8MqaLogitsPlan,
  args: Fp8MqaLogitsArgs,
): boolean {
  const op = 'fp8MqaLogits';
  return (
    hopper(rt) &&
    plan.dim === DIM &&
    plan.seqLen >= 1 &&
    plan.seqLenKv >= 1 &&
    plan.seqLen * plan.heads <= INT32_MAX &&
    [args.q, args.k, args.kScale, args.weights, args.cuSeqLenKStart, args.cuSeqLenKEnd].every(contiguous) &&
    aligned16(rt, args.q, `${op}.q`) &&
    aligned16(rt, args.k, `${op}.k`) &&
    aligned16(rt, args.kScale, `${op}.kScale`) &&
    aligned16(rt, args.weights, `${op}.weights`)
  );
}

/** Run fp8MqaLogits on the sm90 kernel into `out` ([S, SKv] f32, already allocated). */
export function launchSm90MqaLogits(
  rt: CudaRuntime,
  plan: Fp8MqaLogitsPlan,
  args: Fp8MqaLogitsArgs,
  out: Tensor,
): void {
  const op = 'fp8MqaLogits';
  if (plan.seqLen === 0 || plan.seqLenKv === 0) return;
  const cfg = chooseSm90MqaConfig('prefill', plan.heads);
  const mapQ = rt.tensorMap({
    ptr: rt.tensorAddress(args.q, `${op}.q`),
    dtype: 'u8',
    shape: [plan.seqLen * plan.heads, DIM],
    box: [cfg.nq * cfg.heads, DIM],
    swizzle: '128B',
  });
  const mapW = rt.tensorMap({
    ptr: rt.tensorAddress(args.weights, `${op}.weights`),
    dtype: 'f32',
    shape: [plan.seqLen, plan.heads],
    box: [cfg.nq, plan.heads],
  });
  const mapKv = rt.tensorMap({
    ptr: rt.tensorAddress(args.k, `${op}.k`),
    dtype: 'u8',
    shape: [plan.seqLenKv, DIM],
    box: [TILE, DIM],
    swizzle: '128B',
  });
  // One row of SKv scales; its (unused) row stride only has to be a multiple of 16 bytes.
  const mapKs = rt.tensorMap({
    ptr: rt.tensorAddress(args.kScale, `${op}.kScale`),
    dtype: 'f32',
    shape: [1, plan.seqLenKv],
    strides: [cdiv(plan.seqLenKv, 4) * 4, 1],
    box: [1, TILE],
  });
  const kernel = rt.getKernel({ file: FILE, name: KERNEL, arch: 'sm_90a', defines: defines(cfg) });
  kernel.launch({
    grid: [Math.min(cdiv(plan.seqLen, cfg.nq), rt.device.smCount), 1, 1],
    block: [THREADS, 1, 1],
    sharedBytes: sm90MqaSmemBytes(cfg),
    args: [
      mapQ,
      mapW,
      mapKv,
      mapKs,
      args.cuSeqLenKStart,
      args.cuSeqLenKEnd,
      { i64: 0 },
      { i64: 0 },
      { i32: 0 },
      0n,
      { i64: 0 },
      { i32: 0 },
      { i32: 0 },
      0n,
      { i32: plan.seqLen },
      { i32: cfg.nq },
      { i32: plan.seqLenKv },
      out,
      { i64: out.strides[0] },
      { i32: plan.cleanLogits ? 1 : 0 },
      rt.status.arg(op),
    ],
  });
}
