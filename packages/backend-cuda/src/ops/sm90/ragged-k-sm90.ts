import type { RaggedKMoeGemm8bitArgs, RaggedKMoeGemm8bitPlan, Tensor } from '@gemmkit/core';
import type { DevicePtr } from '../../bindings/types.js';
import type { CudaRuntime } from '../../runtime/index.js';
import { stagesFor } from './fp8-gemm-sm90.js';

/**
 * Launcher of raggedKMoeGemm8bit on Hopper: the sm90 FP8 GEMM family (kernels/sm90/fp8_gemm_sm90.cu) compiled
 * with MODE 3 through kernels/sm90/grouped_fp8_sm90.cu. wgmma reads FP8 operands K-major only: K-major A/B
 * are loaded by TMA in place, M-/N-major ones are first transposed into a K-major workspace
 * (kernels/sm90/transpose_fp8.cu). See docs/moe-grouped-sm90.md (ragged-K).
 */

export interface Sm90RaggedKConfig {
  blockM: 64 | 128;
  blockN: 128;
  stages: number;
}

const GROUPED_FILE = 'sm90/grouped_fp8_sm90.cu';
const TRANSPOSE_FILE = 'sm90/transpose_fp8.cu';
const KERNEL = 'fp8_grouped_gemm_sm90';
const AB_TYPES = { 'e4m3,e4m3': 0, 'e4m3,e5m2': 1, 'e5m2,e4m3': 2, 'e5m2,e5m2': 3 } as const;
const INT32_MAX = 2 ** 31 - 1;
/** The transpose grid puts the M / N tiles on grid.y (≤ 65535 tiles of 64). */
const MAX_COLS = 65535 * 64;
/** The per-column B scales take BLOCK_N floats per stage; reserve them for the deepest ring (8). */
const SFB_RESERVE = 8 * 128 * 4;

function cdiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}

/** 64-row tiles when M is that small (fewer wasted rows), else 128; BLOCK_N 128. */
export function chooseSm90RaggedKConfig(m: number): Sm90RaggedKConfig {
  const blockM = m <= 64 ? 64 : 128;
  return { blockM, blockN: 128, stages: stagesFor(blockM, 128, SFB_RESERVE) };
}

function raggedKDefines(cfg: Sm90RaggedKConfig, abTypes: number) {
  return {
    MODE: 3,
    BLOCK_M: cfg.blockM,
    BLOCK_N: cfg.blockN,
    STAGES: cfg.stages,
    CLUSTER: 1,
    OUT_KIND: 0, // unused: ragged-K accumulates into f32
    AB_TYPES: abTypes,
  };
}

/** Every instantiation the launcher can pick, for the CUDA compile tier (sm_90a only). */
export const SM90_RAGGED_K_INSTANCES = Object.freeze([
  ...([64, 128] as const).flatMap((m) =>
    Object.values(AB_TYPES).map((abTypes) => ({
      file: GROUPED_FILE,
      names: [KERNEL, 'sm90_grouped_scale_gather'],
      defines: raggedKDefines(chooseSm90RaggedKConfig(m), abTypes),
      archs: ['sm_90a'],
      hot: true,
    })),
  ),
  { file: TRANSPOSE_FILE, names: ['sm90_transpose_u8'], defines: {}, archs: ['sm_90a'], hot: true },
]);

const isFp8 = (d: string) => d === 'e4m3' || d === 'e5m2';
const addrOf = (rt: CudaRuntime, t: Tensor, arg: string) => rt.tensorAddress(t, `raggedKMoeGemm8bit.${arg}`);

/** A K-major operand `[K, cols]` (strides [1, ld]) TMA can read in place: 16-byte aligned base and rows. */
function tmaKMajor(rt: CudaRuntime, t: Tensor, arg: string): boolean {
  return (
    (t.strides[0] === 1 || t.shape[0] === 1) && t.strides[1] % 16 === 0 && addrOf(rt, t, arg) % 16n === 0n
  );
}

/** A `[kb, cols]` f32 scale tensor TMA can read in place (rows 16-byte aligned, columns contiguous). */
function tmaScales(rt: CudaRuntime, t: Tensor, arg: string): boolean {
  return (
    (t.strides[1] === 1 || t.shape[1] === 1) &&
    (t.strides[0] % 4 === 0 || t.shape[0] === 1) &&
    addrOf(rt, t, arg) % 16n === 0n
  );
}

/** raggedKMoeGemm8bit runs on the sm90 kernel: Hopper, FP8, (1, 1, 128) scales, sizes in range. */
export function sm90RaggedKApplies(
  rt: CudaRuntime,
  plan: RaggedKMoeGemm8bitPlan,
  args: RaggedKMoeGemm8bitArgs,
) {
  const { m, n, kTotal, numExperts, majorA, majorB, granularity } = plan;
  const counts = args.raggedTokensInfo;
  return (
    rt.device.arch === 'sm_90a' &&
    rt.switches.sm90 && // GEMMKIT_CUDA_SM90=0 forces the portable kernel (A/B comparisons on Hopper)
    isFp8(args.a.dtype) &&
    isFp8(args.b.dtype) &&
    granularity[0] === 1 &&
    granularity[1] === 1 &&
    granularity[2] === 128 &&
    m > 0 &&
    n > 0 &&
    numExperts > 0 &&
    kTotal > 0 &&
    m <= MAX_COLS &&
    n <= MAX_COLS &&
    kTotal <= INT32_MAX - 128 &&
    // the scheduler counts tiles in int32
    numExperts * cdiv(m, 64) * cdiv(n, 128) <= INT32_MAX &&
    (counts.strides[0] === 1 || counts.shape[0] === 1) &&
    args.out.strides[2] === 1 &&
    addrOf(rt, args.out, 'out') % 4n === 0n &&
    // K-major inputs are read in place by TMA; M-/N-major ones go through the transpose (any row stride).
    (majorA === 'M' || tmaKMajor(rt, args.a, 'a')) &&
    (majorB === 'N' || tmaKMajor(rt, args.b, 'b'))
  );
}

/** What the launcher will do (for tests and the docs): transposes and scale gathers. */
export function sm90RaggedKSteps(
  rt: CudaRuntime,
  plan: RaggedKMoeGemm8bitPlan,
  args: RaggedKMoeGemm8bitArgs,
) {
  return {
    transposeA: plan.majorA === 'M',
    transposeB: plan.majorB === 'N',
    gatherAScale: !tmaScales(rt, args.aScale, 'aScale'),
    gatherBScale: !tmaScales(rt, args.bScale, 'bScale'),
  };
}

interface KMajor {
  ptr: DevicePtr;
  /** Row stride in bytes of the `[cols, K]` view. */
  ld: number;
  dispose?: () => void;
}

/** `[K, cols]` fp8 → a K-major `[cols, K]` view: in place, or transposed into a workspace. */
function kMajor(rt: CudaRuntime, t: Tensor, arg: string, transpose: boolean, kTotal: number): KMajor {
  if (!transpose) return { ptr: addrOf(rt, t, arg), ld: t.strides[1] };
  const cols = t.shape[1];
  const ld = cdiv(kTotal, 16) * 16; // TMA: 16-byte row strides
  const ws = rt.alloc(cols * ld);
  const src = t.strides[0];
  const vec = src % 16 === 0 && addrOf(rt, t, arg) % 16n === 0n ? 1 : 0;
  rt.getKernel({ file: TRANSPOSE_FILE, name: 'sm90_transpose_u8', arch: 'sm_90a' }).launch({
    grid: [cdiv(kTotal, 64), cdiv(cols, 64), 1],
    block: [256, 1, 1],
    args: [t, ws.ptr, { i32: kTotal }, { i32: cols }, { i64: src }, { i64: ld }, { i32: vec }],
  });
  return { ptr: ws.ptr, ld, dispose: () => ws.dispose() };
}

/** A `[kb, cols]` scale tensor as the kernel's TMA source: in place, or gathered into `[kb][roundup(cols, 4)]`. */
function scaleSource(rt: CudaRuntime, t: Tensor, arg: string, kb: number) {
  const cols = t.shape[1];
  if (tmaScales(rt, t, arg))
    return { ptr: addrOf(rt, t, arg), ld: kb === 1 ? cdiv(cols, 4) * 4 : t.strides[0], dispose: undefined };
  const pad = cdiv(cols, 4) * 4;
  const dst = rt.alloc(kb * pad * 4);
  // sm90_grouped_scale_gather: dst[r + j * pad] = src[r * col stride + j * kb stride], rows r ≥ cols zeroed.
  rt.getKernel({ file: GROUPED_FILE, name: 'sm90_grouped_scale_gather', arch: 'sm_90a' }).launch({
    grid: [cdiv(pad * kb, 256), 1, 1],
    block: [256, 1, 1],
    args: [
      t,
      dst.ptr,
      { i32: 1 },
      { i32: cols },
      { i32: pad },
      { i32: kb },
      { i32: 1 },
      { i64: 0 },
      { i64: t.strides[1] },
      { i64: t.strides[0] },
      { i64: 1 },
      { i64: pad },
      { i32: cols },
    ],
  });
  return { ptr: dst.ptr, ld: pad, dispose: () => dst.dispose() };
}

/** Run raggedKMoeGemm8bit (out[e] += A_eᵀ·B_e) on the sm90 kernel; `sm90RaggedKApplies` must hold. */
export function launchSm90RaggedK(
  rt: CudaRuntime,
  plan: RaggedKMoeGemm8bitPlan,
  args: RaggedKMoeGemm8bitArgs,
) {
  const op = 'raggedKMoeGemm8bit';
  const { m, n, kTotal, numExperts: experts } = plan;
  const cfg = chooseSm90RaggedKConfig(m);
  const kb = cdiv(kTotal, 128);
  const steps = sm90RaggedKSteps(rt, plan, args);
  const a = kMajor(rt, args.a, 'a', steps.transposeA, kTotal);
  const b = kMajor(rt, args.b, 'b', steps.transposeB, kTotal);
  const sa = scaleSource(rt, args.aScale, 'aScale', kb);
  const sb = scaleSource(rt, args.bScale, 'bScale', kb);
  const fp8Map = (ptr: DevicePtr, rows: number, ld: number, boxRows: number) =>
    rt.tensorMap({
      ptr,
      dtype: 'u8',
      shape: [rows, kTotal],
      strides: [ld, 1],
      box: [boxRows, 128],
      swizzle: '128B',
      l2Promotion: '256B',
    });
  // Past M / N / K the maps zero-fill: those rows / columns / K rows add nothing and are never stored.
  const mapA = fp8Map(a.ptr, m, a.ld, cfg.blockM);
  const mapB = fp8Map(b.ptr, n, b.ld, cfg.blockN);
  const scaleMap = (ptr: DevicePtr, cols: number, ld: number, box: number) =>
    rt.tensorMap({ ptr, dtype: 'f32', shape: [kb, cols], strides: [ld, 1], box: [1, box] });
  const mapSfa = scaleMap(sa.ptr, m, sa.ld, cfg.blockM);
  const mapSfb = scaleMap(sb.ptr, n, sb.ld, cfg.blockN);
  const kernel = rt.getKernel({
    file: GROUPED_FILE,
    name: KERNEL,
    arch: 'sm_90a',
    defines: raggedKDefines(cfg, AB_TYPES[`${args.a.dtype},${args.b.dtype}` as keyof typeof AB_TYPES]),
  });
  const tiles = experts * cdiv(m, cfg.blockM) * cdiv(n, cfg.blockN);
  const sharedBytes =
    cfg.stages * (cfg.blockM * 128 + cfg.blockN * 128 + cfg.blockM * 4 + cfg.blockN * 4) +
    2 * cfg.stages * 8 +
    1024;
  kernel.launch({
    grid: [Math.max(1, Math.min(tiles, rt.device.smCount)), 1, 1],
    block: [(cfg.blockM / 64 + 1) * 128, 1, 1],
    sharedBytes,
    args: [
      mapA,
      mapB,
      mapSfa,
      mapSfb,
      0n, // sfb pointer: unused (the B scales come through mapSfb)
      args.out,
      0n,
      0n,
      0n,
      { i32: m },
      { i32: n },
      { i32: kTotal },
      { i64: args.out.strides[1] },
      { i32: 1 },
      addrOf(rt, args.raggedTokensInfo, 'raggedTokensInfo'),
      0n,
      { i32: experts },
      { i64: args.out.strides[0] },
      0n,
      rt.status.arg(op),
    ],
  });
  // Stream-ordered caching allocator: later work on the stream runs after these launches.
  for (const t of [a, b, sa, sb]) t.dispose?.();
}
