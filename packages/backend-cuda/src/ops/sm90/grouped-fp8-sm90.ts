import type { RaggedMMoeGemm8bitArgs, RaggedMMoeGemm8bitPlan, Tensor } from '@gemmkit/core';
import type { DevicePtr } from '../../bindings/types.js';
import type { CudaRuntime } from '../../runtime/index.js';
import { stagesFor } from './fp8-gemm-sm90.js';

/**
 * Launchers of the grouped (MoE) FP8 GEMMs on Hopper: the dense sm90 kernel (kernels/sm90/fp8_gemm_sm90.cu)
 * compiled with MODE 1 (contiguous / ragged-M) or MODE 2 (masked) through kernels/sm90/grouped_fp8_sm90.cu.
 * See docs/moe-grouped-sm90.md. Each op launcher calls `...Applies` and, when true, the matching launch.
 */

export interface Sm90GroupedConfig {
  blockM: 64 | 128;
  blockN: 128;
  stages: number;
}

const GROUPED_FILE = 'sm90/grouped_fp8_sm90.cu';
const KERNEL = 'fp8_grouped_gemm_sm90';
const OUT_KIND = { bf16: 0, f16: 1 } as const;
const AB_TYPES = { 'e4m3,e4m3': 0, 'e4m3,e5m2': 1, 'e5m2,e4m3': 2, 'e5m2,e5m2': 3 } as const;
/** `info_mode` of sm90_grouped_block_list. */
const RAGGED_INFO = { per_token: 0, psum_expert: 1, per_expert: 2 } as const;
/** Dynamic shared memory of the block-list kernel: ceil(M / blockM) + 2E ints. */
const LIST_SMEM_LIMIT = 200 * 1024;
const INT32_MAX = 2 ** 31 - 1;

function cdiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}

/**
 * Tile rule (deterministic): 64-row tiles when the groups are that small (masked decode: `rowsHint` ≤ 64),
 * else 128; BLOCK_N 128 (the dense kernel's large-problem tile; grouped problems have enough tiles without
 * split-K).
 */
export function chooseSm90GroupedConfig(rowsHint: number): Sm90GroupedConfig {
  const blockM = rowsHint > 0 && rowsHint <= 64 ? 64 : 128;
  return { blockM, blockN: 128, stages: stagesFor(blockM, 128) };
}

function groupedDefines(mode: 1 | 2, cfg: Sm90GroupedConfig, outKind: number, abTypes: number) {
  return {
    MODE: mode,
    BLOCK_M: cfg.blockM,
    BLOCK_N: cfg.blockN,
    STAGES: cfg.stages,
    CLUSTER: 1,
    OUT_KIND: outKind,
    AB_TYPES: abTypes,
  };
}

/** Every instantiation the launchers can pick, for the CUDA compile tier (sm_90a only). */
export const SM90_GROUPED_INSTANCES = Object.freeze(
  ([1, 2] as const).flatMap((mode) =>
    ([64, 128] as const).flatMap((blockM) =>
      Object.values(OUT_KIND).flatMap((outKind) =>
        Object.values(AB_TYPES).map((abTypes) => ({
          file: GROUPED_FILE,
          names: [KERNEL, 'sm90_grouped_block_list', 'sm90_grouped_scale_gather'],
          defines: groupedDefines(mode, chooseSm90GroupedConfig(blockM), outKind, abTypes),
          archs: ['sm_90a'],
          hot: true,
        })),
      ),
    ),
  ),
);

const isFp8 = (d: string) => d === 'e4m3' || d === 'e5m2';
const contiguous = (t: Tensor) => {
  let s = 1;
  for (let i = t.shape.length - 1; i >= 0; i--) {
    if (t.shape[i] !== 1 && t.strides[i] !== s) return false;
    s *= t.shape[i];
  }
  return true;
};
/** TMA needs 16-byte aligned bases; the paired bf16 stores need 4-byte aligned rows. */
const aligned = (rt: CudaRuntime, t: Tensor, bytes: bigint, arg: string) =>
  rt.tensorAddress(t, arg) % bytes === 0n;

/** Conditions shared by both modes; `rowsA` = rows of A's 2D view, `outRows` = the output's even strides. */
function commonApplies(
  rt: CudaRuntime,
  o: {
    op: string;
    a: Tensor;
    b: Tensor;
    out: Tensor;
    granularity: readonly number[];
    experts: number;
    n: number;
    k: number;
    rowsA: number;
    outStrides: readonly number[];
  },
): boolean {
  return (
    rt.device.arch === 'sm_90a' &&
    rt.switches.sm90 && // GEMMKIT_CUDA_SM90=0 forces the portable kernels (A/B comparisons on Hopper)
    isFp8(o.a.dtype) &&
    isFp8(o.b.dtype) &&
    (o.out.dtype === 'bf16' || o.out.dtype === 'f16') &&
    o.granularity[0] === 1 &&
    o.granularity[1] === 128 &&
    o.granularity[2] === 128 &&
    o.k > 0 &&
    o.k % 16 === 0 &&
    o.n > 0 &&
    o.experts * o.n <= INT32_MAX &&
    o.rowsA <= INT32_MAX &&
    contiguous(o.a) &&
    contiguous(o.b) &&
    o.out.strides[o.out.strides.length - 1] === 1 &&
    o.outStrides.every((s) => s % 2 === 0) &&
    aligned(rt, o.a, 16n, `${o.op}.a`) &&
    aligned(rt, o.b, 16n, `${o.op}.b`) &&
    aligned(rt, o.out, 4n, `${o.op}.out`)
  );
}

/** A-scale and B-scale layouts the kernel reads (gathered on the device; returns the temporaries). */
function gatherScales(
  rt: CudaRuntime,
  aScale: Tensor,
  bScale: Tensor,
  groupsA: number,
  rowsA: number,
  rowsPad: number,
  experts: number,
  nb: number,
  kb: number,
  /** Rows of A scales per group in the gathered layout (≥ rowsA; the rows past rowsA are zero). */
  rowsStride = rowsA,
) {
  const gather = rt.getKernel({ file: GROUPED_FILE, name: 'sm90_grouped_scale_gather', arch: 'sm_90a' });
  const sfa = rt.alloc(kb * rowsPad * 4);
  const sfb = rt.alloc(experts * nb * kb * 4);
  const st = (t: Tensor) => (t.shape.length === 3 ? t.strides : [0, ...t.strides]);
  const [aBat, aRow, aCol] = st(aScale);
  gather.launch({
    grid: [cdiv(rowsPad * kb, 256), 1, 1],
    block: [256, 1, 1],
    args: [
      aScale,
      sfa.ptr,
      { i32: groupsA },
      { i32: rowsStride },
      { i32: rowsPad },
      { i32: kb },
      { i32: 1 },
      { i64: aBat },
      { i64: aRow },
      { i64: aCol },
      { i64: 1 },
      { i64: rowsPad },
      { i32: rowsA },
    ],
  });
  const [bBat, bRow, bCol] = st(bScale);
  gather.launch({
    grid: [cdiv(experts * nb * kb, 256), 1, 1],
    block: [256, 1, 1],
    args: [
      bScale,
      sfb.ptr,
      { i32: experts },
      { i32: nb },
      { i32: experts * nb },
      { i32: kb },
      { i32: 1 },
      { i64: bBat },
      { i64: bRow },
      { i64: bCol },
      { i64: kb },
      { i64: 1 },
      { i32: nb },
    ],
  });
  return { sfa, sfb };
}

interface GroupedLaunch {
  op: string;
  mode: 1 | 2;
  cfg: Sm90GroupedConfig;
  a: Tensor;
  b: Tensor;
  out: Tensor;
  sfa: DevicePtr;
  sfb: DevicePtr;
  rowsA: number;
  rowsPad: number;
  m: number;
  n: number;
  k: number;
  experts: number;
  ldd: number;
  outGroupStride: number;
  gidx: bigint;
  gmeta: bigint;
  signal: bigint;
  maxTiles: number;
}

function launchGrouped(rt: CudaRuntime, g: GroupedLaunch): void {
  const { cfg } = g;
  const kb = cdiv(g.k, 128);
  const mapA = rt.tensorMap({
    ptr: rt.tensorAddress(g.a, `${g.op}.a`),
    dtype: 'u8',
    shape: [g.rowsA, g.k],
    box: [cfg.blockM, 128],
    swizzle: '128B',
    l2Promotion: '256B',
  });
  // B [E, N, K] as one [E*N, K] map: expert e's row n is e*N + n (see grouped_fp8_sm90.cuh for the N edge).
  const mapB = rt.tensorMap({
    ptr: rt.tensorAddress(g.b, `${g.op}.b`),
    dtype: 'u8',
    shape: [g.experts * g.n, g.k],
    box: [cfg.blockN, 128],
    swizzle: '128B',
    l2Promotion: '256B',
  });
  const mapSfa = rt.tensorMap({ ptr: g.sfa, dtype: 'f32', shape: [kb, g.rowsPad], box: [1, cfg.blockM] });
  const kernel = rt.getKernel({
    file: GROUPED_FILE,
    name: KERNEL,
    arch: 'sm_90a',
    defines: groupedDefines(
      g.mode,
      cfg,
      OUT_KIND[g.out.dtype as keyof typeof OUT_KIND],
      AB_TYPES[`${g.a.dtype},${g.b.dtype}` as keyof typeof AB_TYPES],
    ),
  });
  const threads = (cfg.blockM / 64 + 1) * 128;
  const sharedBytes =
    cfg.stages * (cfg.blockM * 128 + cfg.blockN * 128 + cfg.blockM * 4) + 2 * cfg.stages * 8 + 1024;
  kernel.launch({
    grid: [Math.max(1, Math.min(g.maxTiles, rt.device.smCount)), 1, 1],
    block: [threads, 1, 1],
    sharedBytes,
    args: [
      mapA,
      mapB,
      mapSfa,
      g.sfb,
      g.out,
      0n,
      0n,
      0n,
      { i32: g.m },
      { i32: g.n },
      { i32: g.k },
      { i64: g.ldd },
      { i32: 1 },
      g.gidx,
      g.gmeta,
      { i32: g.experts },
      { i64: g.outGroupStride },
      g.signal,
      rt.status.arg(g.op),
    ],
  });
}

// ------------------------------------------------------------------------------------------ ragged-M

/** raggedMMoeGemm8bit runs on the sm90 kernel: Hopper, FP8 K-major operands, (1, 128, 128) scales. */
export function sm90RaggedMApplies(
  rt: CudaRuntime,
  plan: RaggedMMoeGemm8bitPlan,
  args: RaggedMMoeGemm8bitArgs,
  out: Tensor,
): boolean {
  const cfg = chooseSm90GroupedConfig(128);
  return (
    plan.majorA === 'K' &&
    plan.majorB === 'K' &&
    plan.alignmentM % cfg.blockM === 0 &&
    contiguous(args.raggedTokensInfo) &&
    (cdiv(plan.m, cfg.blockM) + 2 * plan.numExperts) * 4 <= LIST_SMEM_LIMIT &&
    commonApplies(rt, {
      op: 'raggedMMoeGemm8bit',
      a: args.a,
      b: args.b,
      out,
      granularity: plan.granularity,
      experts: plan.numExperts,
      n: plan.n,
      k: plan.k,
      rowsA: plan.m,
      outStrides: [out.strides[0]],
    })
  );
}

/** Run raggedMMoeGemm8bit into `out` ([M, N], allocated): block list, scale layouts, then the GEMM. */
export function launchSm90RaggedM(
  rt: CudaRuntime,
  plan: RaggedMMoeGemm8bitPlan,
  args: RaggedMMoeGemm8bitArgs,
  out: Tensor,
): void {
  const op = 'raggedMMoeGemm8bit';
  const { m, n, k, numExperts: experts } = plan;
  if (m === 0 || n === 0 || experts === 0) return;
  const cfg = chooseSm90GroupedConfig(128);
  const kb = cdiv(k, 128);
  const nmb = cdiv(m, cfg.blockM);
  const rowsPad = cdiv(m, 4) * 4;
  const { sfa, sfb } = gatherScales(rt, args.aScale, args.bScale, 1, m, rowsPad, experts, cdiv(n, 128), kb);
  const meta = rt.alloc((4 + 4 * nmb) * 4);
  const info = rt.tensorAddress(args.raggedTokensInfo, `${op}.raggedTokensInfo`);
  rt.getKernel({ file: GROUPED_FILE, name: 'sm90_grouped_block_list', arch: 'sm_90a' }).launch({
    grid: [1, 1, 1],
    block: [1024, 1, 1],
    sharedBytes: (nmb + 2 * experts) * 4,
    args: [
      info,
      { i32: RAGGED_INFO[plan.gemmMode] },
      { i32: m },
      { i32: experts },
      { i32: plan.alignmentM },
      { i32: cfg.blockM },
      meta.ptr,
      rt.status.arg(op),
    ],
  });
  launchGrouped(rt, {
    op,
    mode: 1,
    cfg,
    a: args.a,
    b: args.b,
    out,
    sfa: sfa.ptr,
    sfb: sfb.ptr,
    rowsA: m,
    rowsPad,
    m,
    n,
    k,
    experts,
    ldd: out.strides[0],
    outGroupStride: 0,
    gidx: plan.gemmMode === 'per_token' ? info : 0n,
    gmeta: meta.ptr,
    signal: 0n,
    maxTiles: nmb * cdiv(n, cfg.blockN),
  });
  // Stream-ordered caching allocator: later work on the stream runs after these launches.
  for (const t of [sfa, sfb, meta]) t.dispose();
}

// ------------------------------------------------------------------------------------------ masked

/**
 * One masked grouped GEMM (maskedMoeGemm8bit, batchDeepgemmFp8NtGroupwise): the same fields as the portable
 * launcher's `MaskedLaunch` (src/ops/masked-gemm.ts), so it can hand its argument over unchanged.
 */
export interface Sm90MaskedLaunch {
  op: string;
  /** `[E, maxM, K]`. */
  a: Tensor;
  /** `[E, N, K]`. */
  b: Tensor;
  aScale: Tensor;
  bScale: Tensor;
  maskedM: Tensor;
  /** `[E, maxM, N]`. */
  out: Tensor;
  granularity: readonly [number, number, number];
  experts: number;
  maxM: number;
  n: number;
  k: number;
  /** Host hint of the typical rows per group (0 = unknown). */
  expectM: number;
  /** `[E · ceil(maxM/64)]` int32 counters, incremented once per stored N tile and 64-row block. */
  signal?: Tensor;
}

/** The masked op runs on the sm90 kernel (Hopper, FP8, (1, 128, 128) scales, contiguous A/B). */
export function sm90MaskedApplies(rt: CudaRuntime, l: Sm90MaskedLaunch): boolean {
  return (
    contiguous(l.maskedM) &&
    (!l.signal || contiguous(l.signal)) &&
    commonApplies(rt, {
      op: l.op,
      a: l.a,
      b: l.b,
      out: l.out,
      granularity: l.granularity,
      experts: l.experts,
      n: l.n,
      k: l.k,
      rowsA: l.experts * l.maxM,
      outStrides: [l.out.strides[0], l.out.strides[1]],
    })
  );
}

/** Run a masked grouped GEMM into `l.out`; returns BLOCK_N (the overlap threshold is ceil(N / BLOCK_N)). */
export function launchSm90Masked(rt: CudaRuntime, l: Sm90MaskedLaunch): number {
  const cfg = chooseSm90GroupedConfig(l.expectM > 0 ? l.expectM : l.maxM);
  if (l.experts === 0 || l.maxM === 0 || l.n === 0) return cfg.blockN;
  const kb = cdiv(l.k, 128);
  const rowsA = l.experts * l.maxM;
  // Each expert's A scales start 16-byte aligned (TMA): maxM rounded up to 4 rows, the extra rows zero.
  const maxMPad = cdiv(l.maxM, 4) * 4;
  const rowsPad = l.experts * maxMPad;
  const { sfa, sfb } = gatherScales(
    rt,
    l.aScale,
    l.bScale,
    l.experts,
    l.maxM,
    rowsPad,
    l.experts,
    cdiv(l.n, 128),
    kb,
    maxMPad,
  );
  launchGrouped(rt, {
    op: l.op,
    mode: 2,
    cfg,
    a: l.a,
    b: l.b,
    out: l.out,
    sfa: sfa.ptr,
    sfb: sfb.ptr,
    rowsA,
    rowsPad,
    m: l.maxM,
    n: l.n,
    k: l.k,
    experts: l.experts,
    ldd: l.out.strides[1],
    outGroupStride: l.out.strides[0],
    gidx: rt.tensorAddress(l.maskedM, `${l.op}.maskedM`),
    gmeta: 0n,
    signal: l.signal ? rt.tensorAddress(l.signal, `${l.op}.signal`) : 0n,
    maxTiles: l.experts * cdiv(l.maxM, cfg.blockM) * cdiv(l.n, cfg.blockN),
  });
  for (const t of [sfa, sfb]) t.dispose();
  return cfg.blockN;
}
