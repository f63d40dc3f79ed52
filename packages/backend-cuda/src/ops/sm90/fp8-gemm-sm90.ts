import type { GemmFp8NtGroupwiseArgs, GemmFp8NtGroupwisePlan, Tensor } from '@gemmkit/core';
import type { DevicePtr } from '../../bindings/types.js';
import type { CudaRuntime } from '../../runtime/index.js';
import type { KernelSpec } from '../../runtime/launch.js';

/**
 * Launcher of the Hopper FP8 block-scaled GEMM (kernels/sm90/fp8_gemm_sm90.cu): TMA + wgmma, warp-specialized,
 * persistent, split-K for small M. See docs/fp8-gemm-sm90.md for the structure and the measurements behind
 * the config rule below.
 */

export interface Sm90Config {
  blockM: 64 | 128;
  blockN: 64 | 128 | 192;
  splitK: number;
  cluster: 1 | 2;
  stages: number;
}

const SMEM_LIMIT = 227 * 1024;
const OUT_KIND = { bf16: 0, f16: 1, e4m3: 2 } as const;

function cdiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}

/**
 * Pipeline depth that fits the 227 KiB of shared memory (capped at 8), next to `reserved` other bytes and
 * `extraPerStage` more bytes in each stage.
 */
export function stagesFor(blockM: number, blockN: number, reserved = 0, extraPerStage = 0): number {
  const perStage = blockM * 128 + blockN * 128 + blockM * 4 + extraPerStage;
  return Math.min(8, Math.floor((SMEM_LIMIT - 2048 - 64 - reserved) / perStage));
}

/**
 * Shared memory of the dense kernel's epilogue staging (EPI_SMEM in the kernel): the output tile, each row
 * padded by 16 bytes. The grouped modes have none.
 */
export function epilogueSmemBytes(blockM: number, blockN: number, outKind: number): number {
  return blockM * (blockN * (outKind === 2 ? 1 : 2) + 16);
}

/** The dense kernel's B scales of each stage (SFB_SMEM_BYTES / STAGES in the kernel). */
export const DENSE_SFB_STAGE_BYTES = 16;

/** Pipeline depth of the dense kernel (the staging and the per-stage B scales take their share). */
export function denseStagesFor(blockM: number, blockN: number, outKind: number): number {
  return stagesFor(blockM, blockN, epilogueSmemBytes(blockM, blockN, outKind), DENSE_SFB_STAGE_BYTES);
}

/**
 * Deterministic config rule (no autotuning at call time), derived from the offline tuning table that
 * bench/fp8-dense/bench.py records: M ≤ 64 uses 64-row tiles; when 128-wide tiles already fill the SMs use
 * them, otherwise 64-wide tiles plus split-K up to 4 ways (each split keeps ≥ 8 K blocks).
 */
export function chooseSm90Config(
  m: number,
  n: number,
  k: number,
  smCount: number,
  outKind: number = OUT_KIND.bf16,
): Sm90Config {
  const kb = cdiv(k, 128);
  const blockM = m <= 64 ? 64 : 128;
  const mBlocks = cdiv(m, blockM);
  if (mBlocks * cdiv(n, 128) >= smCount) {
    // At most 4 K blocks per tile the fixed per-tile cost (prologue, epilogue) dominates: 192-wide tiles have a
    // third fewer of them (measured +16 % at K = 512; slower from K = 1536 on, where 128x128 keeps its
    // double-buffered promotion).
    if (kb <= 4 && blockM === 128 && mBlocks * cdiv(n, 192) >= smCount)
      return { blockM, blockN: 192, splitK: 1, cluster: 1, stages: denseStagesFor(blockM, 192, outKind) };
    return { blockM, blockN: 128, splitK: 1, cluster: 1, stages: denseStagesFor(blockM, 128, outKind) };
  }
  const tiles = mBlocks * cdiv(n, 64);
  const splitK = Math.max(1, Math.min(4, Math.floor(smCount / tiles), Math.floor(kb / 8)));
  return { blockM, blockN: 64, splitK, cluster: 1, stages: denseStagesFor(blockM, 64, outKind) };
}

/** The sm90 kernel handles this problem: Hopper, 128-wide B scale blocks, K a multiple of 16, out aligned. */
export function sm90Fp8GemmApplies(rt: CudaRuntime, plan: GemmFp8NtGroupwisePlan, out: Tensor): boolean {
  return (
    rt.device.arch === 'sm_90a' &&
    // 16-bit outputs are stored as aligned pairs: the output must start on 4 bytes (rows: any stride).
    (plan.outDtype === 'e4m3' || rt.tensorAddress(out, 'gemmFp8NtGroupwise.out') % 4n === 0n) &&
    rt.switches.sm90 && // GEMMKIT_CUDA_SM90=0 forces the portable kernel (A/B comparisons on Hopper)
    plan.granularity[1] === 128 &&
    plan.granularity[2] === 128 &&
    plan.k % 16 === 0
  );
}

const AB_TYPES = { 'e4m3,e4m3': 0, 'e4m3,e5m2': 1, 'e5m2,e4m3': 2, 'e5m2,e5m2': 3 } as const;
const SM90_FILE = 'sm90/fp8_gemm_sm90.cu';

/** The defines of one kernel instantiation (shared by the launcher and the compile tier). */
function sm90Defines(cfg: Sm90Config, outKind: number, abTypes: number): Record<string, number> {
  return {
    BLOCK_M: cfg.blockM,
    BLOCK_N: cfg.blockN,
    STAGES: cfg.stages,
    CLUSTER: cfg.cluster,
    OUT_KIND: outKind,
    AB_TYPES: abTypes,
  };
}

/**
 * The kernel spec of one instantiation, one object per instantiation (launches reuse it: a new spec with a
 * new defines object per launch cost the runtime's recent-kernel cache a field-by-field comparison).
 */
const sm90Specs = new Map<number, KernelSpec>();
function sm90Spec(cfg: Sm90Config, outKind: number, abTypes: number): KernelSpec {
  // Mixed radix: every field is below the factor that follows it (blockN < 256, stages < 64, ...).
  const key =
    ((((cfg.blockM * 256 + cfg.blockN) * 64 + cfg.stages) * 4 + cfg.cluster) * 8 + outKind) * 4 + abTypes;
  let spec = sm90Specs.get(key);
  if (!spec) {
    spec = {
      file: SM90_FILE,
      name: 'fp8_gemm_sm90',
      arch: 'sm_90a',
      defines: sm90Defines(cfg, outKind, abTypes),
    };
    sm90Specs.set(key, spec);
  }
  return spec;
}

/** The [blockM, blockN] tiles `chooseSm90Config` can pick. */
const SM90_TILES = [
  [64, 64],
  [64, 128],
  [128, 64],
  [128, 128],
  [128, 192],
] as const;

/**
 * Every instantiation `chooseSm90Config` can pick (tile shapes × output kinds × operand types), for the CUDA
 * compile tier. wgmma exists only on sm_90a: on other archs the portable kernels run.
 */
export const SM90_FP8_INSTANCES = Object.freeze(
  SM90_TILES.flatMap(([blockM, blockN]) =>
    Object.values(OUT_KIND).flatMap((outKind) =>
      Object.values(AB_TYPES).map((abTypes) => ({
        file: SM90_FILE,
        names: ['fp8_gemm_sm90', 'sm90_scale_gather'],
        defines: sm90Defines(
          { blockM, blockN, splitK: 1, cluster: 1, stages: denseStagesFor(blockM, blockN, outKind) },
          outKind,
          abTypes,
        ),
        archs: ['sm_90a'],
        hot: true,
      })),
    ),
  ),
);

/** Largest M whose K-major (or K-broadcast) per-row A scales the kernel reads itself. */
const WARP_A_SCALES_MAX_M = 256;

/** Split-K tile counters live as long as the runtime: zeroed once, re-armed by the kernel itself. */
const counters = new WeakMap<CudaRuntime, { ptr: DevicePtr; count: number }>();
const COUNTER_SLOTS = 4096;

function splitCounters(rt: CudaRuntime): DevicePtr {
  let c = counters.get(rt);
  if (!c) {
    const storage = rt.alloc(COUNTER_SLOTS * 4);
    rt.fill(storage.ptr, 0, COUNTER_SLOTS * 4);
    c = { ptr: storage.ptr, count: COUNTER_SLOTS };
    counters.set(rt, c);
  }
  return c.ptr;
}

/**
 * The A scales can be read in place by the kernel's TMA map: one scale per row (granularity 1), MN-major
 * (rows contiguous), a column stride of whole 16-byte units and a 16-byte aligned base (TMA's rules).
 */
export function aScaleReadInPlace(
  rt: CudaRuntime,
  aScale: Tensor,
  gm: number,
  m: number,
  kb: number,
): boolean {
  const [rowStride, colStride] = aScale.strides;
  return (
    gm === 1 &&
    (m <= 1 || rowStride === 1) &&
    (kb <= 1 || (colStride >= m && colStride % 4 === 0)) &&
    rt.tensorAddress(aScale, 'gemmFp8NtGroupwise.aScale') % 16n === 0n
  );
}

/** Run gemmFp8NtGroupwise on the sm90 kernel into `out` (already allocated, [M, N]). */
export function launchSm90Fp8Gemm(
  rt: CudaRuntime,
  plan: GemmFp8NtGroupwisePlan,
  args: GemmFp8NtGroupwiseArgs,
  out: Tensor,
): void {
  const { m, n, k } = plan;
  if (m === 0 || n === 0) return;
  const kb = cdiv(k, 128);
  const mPad = cdiv(m, 4) * 4;
  const outKind = OUT_KIND[plan.outDtype];
  const cfg = chooseSm90Config(m, n, k, rt.device.smCount, outKind);
  const tiles = cdiv(m, cfg.blockM) * cdiv(n, cfg.blockN);
  const useSplit = cfg.splitK > 1 && tiles <= COUNTER_SLOTS;
  const splitK = useSplit ? cfg.splitK : 1;

  // A scales: MN-major per-row ones with TMA-legal strides are the TMA source; per-row ones that are K-major
  // (the contract's default) or broadcast over K (bmmFp8) are read by a producer warp of the kernel up to
  // M = 256; only the rest (per-128-row blocks, other strides, larger M) are gathered on the device into
  // MN-major [kb][rows] — one more launch and allocation on the host's hot path.
  const temps: { ptr: DevicePtr; dispose(): void }[] = [];
  const [asr, asc] = args.aScale.strides;
  const aDirect = aScaleReadInPlace(rt, args.aScale, plan.granularity[0], m, kb);
  // Per-row A scales of small problems (M <= 256, where host launch time matters most): a producer warp of
  // the kernel reads them, no TMA map and no gather launch. Its loads touch one 32-byte sector per row and K
  // block (vs 4 bytes by TMA from the MN-major copy), so large M keeps the gather.
  const aByWarp =
    !aDirect && plan.granularity[0] === 1 && m <= WARP_A_SCALES_MAX_M && (kb <= 1 || asc === 1 || asc === 0);
  let mapSfa: ReturnType<CudaRuntime['tensorMap']> | null = null;
  if (aByWarp) {
    // the kernel takes the pointer and strides instead (see the launch below)
  } else if (aDirect) {
    // [kb, m] view with row stride `asc`: TMA zero-fills the rows of a tile past m.
    mapSfa = rt.tensorMap({
      ptr: rt.tensorAddress(args.aScale, 'gemmFp8NtGroupwise.aScale'),
      dtype: 'f32',
      shape: [kb, m],
      strides: [kb > 1 ? asc : cdiv(m, 4) * 4, 1],
      box: [1, cfg.blockM],
    });
  } else {
    const aScaleMn = rt.alloc(kb * mPad * 4);
    temps.push(aScaleMn);
    rt.getKernel({ file: SM90_FILE, name: 'sm90_scale_gather', arch: 'sm_90a' }).launch({
      grid: [cdiv(mPad * kb, 256), 1, 1],
      block: [256, 1, 1],
      args: [
        args.aScale,
        aScaleMn.ptr,
        { i32: m },
        { i32: mPad },
        { i32: kb },
        { i32: plan.granularity[0] },
        { i64: asr },
        { i64: asc },
        { i64: 1 },
        { i64: mPad },
      ],
    });
    mapSfa = rt.tensorMap({ ptr: aScaleMn.ptr, dtype: 'f32', shape: [kb, mPad], box: [1, cfg.blockM] });
  }
  // B scales: the kernel's B-scale warp reads them in place through their strides (any major mode).
  const [bsr, bsc] = args.bScale.strides;
  const sfbPtr = rt.tensorAddress(args.bScale, 'gemmFp8NtGroupwise.bScale');

  const aPtr = rt.tensorAddress(args.a, 'gemmFp8NtGroupwise.a');
  const bPtr = rt.tensorAddress(args.b, 'gemmFp8NtGroupwise.b');
  const mapA = rt.tensorMap({
    ptr: aPtr,
    dtype: 'u8',
    shape: [m, k],
    box: [cfg.blockM, 128],
    swizzle: '128B',
    l2Promotion: '256B',
  });
  const mapB = rt.tensorMap({
    ptr: bPtr,
    dtype: 'u8',
    shape: [n, k],
    box: [cfg.blockN / cfg.cluster, 128],
    swizzle: '128B',
    l2Promotion: '256B',
  });

  const kernel = rt.getKernel(
    sm90Spec(cfg, outKind, AB_TYPES[`${plan.aDtype},${plan.bDtype}` as keyof typeof AB_TYPES]),
  );
  const ws = useSplit ? rt.alloc(tiles * splitK * cfg.blockM * cfg.blockN * 4) : null;
  if (ws) temps.push(ws);
  const threads = (cfg.blockM / 64 + 1) * 128;
  const sharedBytes =
    cfg.stages * (cfg.blockM * 128 + cfg.blockN * 128 + cfg.blockM * 4 + DENSE_SFB_STAGE_BYTES) +
    epilogueSmemBytes(cfg.blockM, cfg.blockN, outKind) +
    2 * cfg.stages * 8 +
    1024;
  const grid = Math.min(tiles * splitK, rt.device.smCount);
  kernel.launch({
    grid: [grid, 1, 1],
    block: [threads, 1, 1],
    sharedBytes,
    args: [
      mapA,
      mapB,
      mapSfa ?? mapA, // unused by the kernel when its warp reads the A scales
      sfbPtr,
      out,
      args.outputScale ?? 0n,
      ws ? ws.ptr : 0n,
      useSplit ? splitCounters(rt) : 0n,
      { i32: m },
      { i32: n },
      { i32: k },
      { i64: m > 1 ? out.strides[0] : n }, // the output's row stride (a view may be padded)
      { i32: splitK },
      aByWarp ? args.aScale : 0n,
      { i64: asr },
      { i64: kb <= 1 ? 1 : asc }, // 1 or 0 when the warp reads them (its K stride)
      { i64: bsr },
      { i64: bsc },
    ],
  });
  // Stream-ordered caching allocator: later work on the stream comes after this launch, so the temporaries
  // can go back to the pool now.
  for (const t of temps) t.dispose();
}
