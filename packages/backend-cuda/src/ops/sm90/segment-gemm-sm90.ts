import type { SegmentGemmArgs, SegmentGemmPlan, Tensor } from '@gemmkit/core';
import type { CudaRuntime } from '../../runtime/index.js';

/**
 * Launcher of the Hopper BF16/FP16 segment GEMM (kernels/sm90/segment_gemm_sm90.cu, docs/segment-gemm-sm90.md):
 * TMA ring + warp-specialized wgmma, persistent over the segments' tiles. segment-gemm.ts calls
 * `sm90SegmentApplies` and, when true, `launchSm90Segment`; otherwise the portable kernel runs.
 *
 * Row-major weights ([W, dIn, dOut], N contiguous) are read two ways, picked by GEMMKIT_SM90_SEGMENT_B:
 * 'native' (default) = the MN-major instantiation (wgmma transpose-B); 'transpose' = a pre-pass writes the used
 * weights K-major into a workspace and the K-major instantiation runs on it.
 */

export interface Sm90SegmentConfig {
  blockM: 64 | 128;
  blockN: 128 | 256;
  stages: number;
}

export type Sm90SegmentBMode = 'native' | 'transpose';

const FILE = 'sm90/segment_gemm_sm90.cu';
const KERNEL = 'segment_gemm_sm90';
const TRANSPOSE = 'sm90_segment_transpose';
const SMEM_LIMIT = 227 * 1024;
const INT32_MAX = 2 ** 31 - 1;
const DTYPE = { bf16: 0, f16: 1 } as const;
const TILES: ReadonlyArray<readonly [64 | 128, 128 | 256]> = [
  [64, 128],
  [128, 128],
  [128, 256],
];

const cdiv = (a: number, b: number) => Math.floor((a + b - 1) / b);

/** Ring depth: as many (A + B) stages as fit next to the barriers and the 1 KiB alignment slack, at most 8. */
export function segmentStages(blockM: number, blockN: number): number {
  const perStage = (blockM + blockN) * 64 * 2;
  return Math.min(8, Math.floor((SMEM_LIMIT - 2048) / perStage));
}

export function segmentSharedBytes(cfg: Sm90SegmentConfig): number {
  return cfg.stages * (cfg.blockM + cfg.blockN) * 64 * 2 + 2 * cfg.stages * 8 + 1024;
}

/**
 * Tile rule (deterministic): 64-row tiles when segments average ≤ 64 rows (decode / LoRA-sized segments, one
 * math warpgroup); else 128 rows, and 256 columns when that still gives every SM a tile (the larger tile halves
 * the A re-reads and is the usual best Hopper BF16 shape), else 128.
 */
export function chooseSm90SegmentConfig(
  activeRows: number,
  segments: number,
  dOut: number,
  smCount: number,
): Sm90SegmentConfig {
  const avg = Math.max(1, Math.ceil(activeRows / Math.max(1, segments)));
  let blockM: 64 | 128 = 128;
  let blockN: 128 | 256 = 128;
  if (avg <= 64) blockM = 64;
  else if (Math.max(1, segments) * cdiv(avg, 128) * cdiv(dOut, 256) >= smCount) blockN = 256;
  return { blockM, blockN, stages: segmentStages(blockM, blockN) };
}

function defines(cfg: Sm90SegmentConfig, dtype: number, bMn: 0 | 1) {
  return { BLOCK_M: cfg.blockM, BLOCK_N: cfg.blockN, STAGES: cfg.stages, DTYPE: dtype, B_MN: bMn };
}

/** Every instantiation the launcher can pick, for the CUDA compile tier (sm_90a only). */
export const SM90_SEGMENT_INSTANCES = Object.freeze(
  TILES.flatMap(([blockM, blockN]) =>
    Object.values(DTYPE).flatMap((dtype) =>
      ([0, 1] as const).map((bMn) => ({
        file: FILE,
        names: [KERNEL, TRANSPOSE],
        defines: defines({ blockM, blockN, stages: segmentStages(blockM, blockN) }, dtype, bMn),
        archs: ['sm_90a'],
        hot: true,
      })),
    ),
  ),
);

/** GEMMKIT_SM90_SEGMENT_B of the runtime (read when it was created). */
export function segmentBMode(rt: CudaRuntime): Sm90SegmentBMode {
  return rt.switches.segmentB;
}

/** TMA: 16-byte aligned base, every stride but the innermost a positive multiple of 16 bytes. */
function tmaReady(rt: CudaRuntime, t: Tensor, arg: string): boolean {
  const n = t.strides.length;
  return (
    t.strides[n - 1] === 1 &&
    t.strides.slice(0, n - 1).every((s) => s > 0 && s % 8 === 0) &&
    rt.tensorAddress(t, arg) % 16n === 0n
  );
}

/**
 * The sm90 kernel applies: Hopper (sm_90a), GEMMKIT_CUDA_SM90 !== '0', bf16/f16, dIn and dOut > 0, x and the
 * weights TMA-ready (16-byte aligned bases, row strides multiples of 8 elements); with row-major weights in
 * transpose mode, dIn % 8 === 0 (the workspace's row stride) and W ≤ 65535 (one grid z per weight) instead.
 */
export function sm90SegmentApplies(
  rt: CudaRuntime,
  plan: SegmentGemmPlan,
  args: SegmentGemmArgs,
  mode: Sm90SegmentBMode = segmentBMode(rt),
): boolean {
  if (rt.device.arch !== 'sm_90a' || !rt.switches.sm90) return false;
  if (plan.dIn <= 0 || plan.dOut <= 0 || plan.rows <= 0 || plan.batchSize <= 0 || plan.numWeights <= 0)
    return false;
  if (plan.rows > INT32_MAX || plan.numWeights > INT32_MAX) return false;
  if (!tmaReady(rt, args.x, 'segmentGemm.x')) return false;
  if (!plan.weightColumnMajor && mode === 'transpose')
    return (
      plan.dIn % 8 === 0 &&
      plan.numWeights <= 65535 &&
      args.weights.strides[2] === 1 &&
      rt.tensorAddress(args.weights, 'segmentGemm.weights') % 2n === 0n
    );
  return tmaReady(rt, args.weights, 'segmentGemm.weights');
}

export interface Sm90SegmentIndex {
  /** Dense segIndptr / segLens (device address) and whether it is segIndptr. */
  index: bigint;
  useIndptr: boolean;
  /** Dense weightIndices or 0n; same width as `index`. */
  weightIndices: bigint;
  i64: boolean;
}

/** Run segmentGemm into `out` ([S, dOut]); the index tensors are already dense and of one width. */
export function launchSm90Segment(
  rt: CudaRuntime,
  plan: SegmentGemmPlan,
  args: SegmentGemmArgs,
  out: Tensor,
  ix: Sm90SegmentIndex,
  mode: Sm90SegmentBMode = segmentBMode(rt),
): void {
  const op = 'segmentGemm';
  const { rows: S, dIn: K, dOut: N, numWeights: W, batchSize: B } = plan;
  const cfg = chooseSm90SegmentConfig(plan.activeRows, B, N, rt.device.smCount);
  const transpose = !plan.weightColumnMajor && mode === 'transpose';
  const bMn: 0 | 1 = plan.weightColumnMajor || transpose ? 0 : 1;
  const dt = plan.dtype;

  const mapA = rt.tensorMap({
    ptr: rt.tensorAddress(args.x, `${op}.x`),
    dtype: dt,
    shape: [S, K],
    strides: [args.x.strides[0], 1],
    box: [cfg.blockM, 64],
    swizzle: '128B',
    l2Promotion: '256B',
  });

  let ws: ReturnType<CudaRuntime['alloc']> | undefined;
  let mapB: ReturnType<CudaRuntime['tensorMap']>;
  const wAddr = rt.tensorAddress(args.weights, `${op}.weights`);
  if (transpose) {
    // Used weights -> [W, dOut, dIn] K-major (a weight no segment names is skipped, its slot left unset).
    ws = rt.alloc(W * N * K * 2);
    rt.getKernel({ file: FILE, name: TRANSPOSE, arch: 'sm_90a', defines: defines(cfg, DTYPE[dt], 0) }).launch(
      {
        grid: [cdiv(N, 32), cdiv(K, 32), W],
        block: [32, 8, 1],
        args: [
          wAddr,
          ws.ptr,
          { i32: K },
          { i32: N },
          { i64: args.weights.strides[0] },
          { i64: args.weights.strides[1] },
          ix.weightIndices,
          { i32: ix.i64 ? 1 : 0 },
          { i32: B },
        ],
      },
    );
    mapB = rt.tensorMap({
      ptr: ws.ptr,
      dtype: dt,
      shape: [W, N, K],
      strides: [N * K, K, 1],
      box: [1, cfg.blockN, 64],
      swizzle: '128B',
      l2Promotion: '256B',
    });
  } else if (bMn === 0) {
    // [W, dOut, dIn]: boxes of blockN rows x 64 k.
    mapB = rt.tensorMap({
      ptr: wAddr,
      dtype: dt,
      shape: [W, N, K],
      strides: [args.weights.strides[0], args.weights.strides[1], 1],
      box: [1, cfg.blockN, 64],
      swizzle: '128B',
      l2Promotion: '256B',
    });
  } else {
    // [W, dIn, dOut]: boxes of 64 k rows x 64 n columns (128 bytes, one swizzle row); blockN / 64 per stage.
    mapB = rt.tensorMap({
      ptr: wAddr,
      dtype: dt,
      shape: [W, K, N],
      strides: [args.weights.strides[0], args.weights.strides[1], 1],
      box: [1, 64, 64],
      swizzle: '128B',
      l2Promotion: '256B',
    });
  }

  // At most one partial m block per segment on top of the full ones.
  const maxTiles = (cdiv(S, cfg.blockM) + B) * cdiv(N, cfg.blockN);
  rt.getKernel({ file: FILE, name: KERNEL, arch: 'sm_90a', defines: defines(cfg, DTYPE[dt], bMn) }).launch({
    grid: [Math.max(1, Math.min(maxTiles, rt.device.smCount)), 1, 1],
    block: [(cfg.blockM / 64 + 1) * 128, 1, 1],
    sharedBytes: segmentSharedBytes(cfg),
    args: [
      mapA,
      mapB,
      rt.tensorAddress(out, `${op}.out`),
      { i64: out.strides[0] },
      ix.index,
      ix.weightIndices,
      { i32: ix.i64 ? 1 : 0 },
      { i32: ix.useIndptr ? 1 : 0 },
      { i32: B },
      { i32: W },
      { i32: S },
      { i32: N },
      { i32: K },
      rt.status.arg(op),
    ],
  });
  // Stream-ordered caching allocator: the GEMM reading the workspace runs before any reuse.
  ws?.dispose();
}
