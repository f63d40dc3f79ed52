import type { MmFp4Args, MmFp4Plan, Tensor } from '@gemmkit/core';
import type { DevicePtr } from '../../bindings/types.js';
import type { CudaRuntime } from '../../runtime/index.js';

/**
 * Launcher of the Hopper FP4 GEMM (kernels/sm90/fp4_gemm_sm90.cu) for mmFp4: FP4 operands are decoded
 * (e2m1 × block scale, exact) into bf16 shared-memory tiles and multiplied with bf16 wgmma (f32 accumulation);
 * a bf16 activation (W4A16) is loaded by TMA. Small M swaps A and B so the weight's N fills wgmma's 64-row
 * side, and splits K so every SM streams weights. See docs/fp4.md.
 */

export interface Sm90Fp4Config {
  /** true: X = the FP4 weight (rows of N), Y = the activation (rows of M), out written transposed. */
  swapAB: boolean;
  /** Rows of the X tile (64 per math warpgroup). */
  blockM: 64 | 128;
  /** Rows of the Y tile = wgmma N. */
  blockN: 8 | 16 | 32 | 64 | 128;
  splitK: number;
  stages: number;
}

const SMEM_LIMIT = 227 * 1024;
const BLOCK_K = 128;
const SM90_FILE = 'sm90/fp4_gemm_sm90.cu';

function cdiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}

interface Layout {
  stageBytes: number;
  decBytes: number;
}

/** Shared-memory layout of one instantiation (mirrors the kernel's STAGE_BYTES / DEC_BYTES). */
function layout(xFp4: boolean, yFp4: boolean, bm: number, bn: number, mx: boolean): Layout {
  const chunks = BLOCK_K / (mx ? 32 : 16) / 4;
  const raw =
    (xFp4 ? bm * 64 : bm * 256) +
    (yFp4 ? bn * 64 : bn * 256) +
    (xFp4 ? cdiv(bm, 128) * chunks * 512 : 0) +
    (yFp4 ? cdiv(bn, 128) * chunks * 512 : 0);
  return {
    stageBytes: cdiv(raw, 1024) * 1024,
    decBytes: (xFp4 ? bm * 256 : 0) + (yFp4 ? bn * 256 : 0),
  };
}

/** Ring depth that fits 227 KiB next to the two decode buffers (capped at 12; the kernel's default). */
export function fp4StagesFor(xFp4: boolean, yFp4: boolean, bm: number, bn: number, mx: boolean): number {
  const l = layout(xFp4, yFp4, bm, bn, mx);
  return Math.min(12, Math.floor((SMEM_LIMIT - 2 * l.decBytes - 1024 - 256) / l.stageBytes));
}

function sharedBytes(xFp4: boolean, yFp4: boolean, cfg: Sm90Fp4Config, mx: boolean): number {
  const l = layout(xFp4, yFp4, cfg.blockM, cfg.blockN, mx);
  return cfg.stages * l.stageBytes + 2 * l.decBytes + 256 + 1024;
}

/**
 * Deterministic config rule (no autotuning at call time); bench/fp4/bench.py carries the same rule and
 * records the alternatives it measured:
 * - W4A16 with M ≤ 64: swap A/B, 128 weight rows per tile, wgmma N = the smallest of 8/16/32/64 ≥ M;
 * - otherwise 128-row tiles (X = activation rows, Y = weight rows), 64 weight rows wide for W4A16 when that
 *   tiling still fits in one wave of SMs (each K-block step decodes half the weight rows, and the wave was
 *   under-filled anyway: 1.17x and 1.51x faster at M = 128, N = 4096 / 7168 on the H100; at N = 14336 the
 *   64-wide tiling needs two waves and was 1.14x slower, bench/results/h100-fp4-2026-12-06-2912a2d.json
 *   `tuning`), else 128 wide;
 * - split-K: the split count s (each split ≥ 2 K blocks, ≤ 16; without swap also ≤ SMs/tiles) that minimizes
 *   a cost in K-block steps per SM: waves × (K blocks per split + for s > 1: 3 steps of pipeline fill/drain
 *   + s × BM·BN/4096 for the f32 partials the last split sums). One K-block step costs about the same for
 *   every tile (decoding 128 weight rows dominates); the constants are fit to the tuning table of
 *   bench/results/h200-fp4-2026-11-22.json and pick the fastest measured 128-row split on every shape there.
 */
export function chooseSm90Fp4Config(
  m: number,
  n: number,
  k: number,
  aKind: 'fp4' | 'bf16',
  format: 'nvfp4' | 'mxfp4',
  smCount: number,
): Sm90Fp4Config {
  const kb = cdiv(k, BLOCK_K);
  const aFp4 = aKind === 'fp4';
  const swapAB = !aFp4 && m <= 64;
  const blockM = 128 as const;
  const blockN = swapAB
    ? (([8, 16, 32, 64] as const).find((b) => b >= m) ?? 64)
    : !aFp4 && cdiv(m, blockM) * cdiv(n, 64) <= smCount
      ? (64 as const)
      : (128 as const);
  const [rowsX, rowsY] = swapAB ? [n, m] : [m, n];
  const tiles = cdiv(rowsX, blockM) * cdiv(rowsY, blockN);
  const xFp4 = swapAB || aFp4;
  const yFp4 = !swapAB;
  const cap = swapAB
    ? Math.min(16, Math.max(1, Math.floor(kb / 2)))
    : Math.max(1, Math.min(16, Math.floor(kb / 2), Math.floor(smCount / tiles)));
  let splitK = 1;
  let best = Number.POSITIVE_INFINITY;
  for (let s = 1; s <= cap; s++) {
    const kbps = cdiv(kb, s);
    if (cdiv(kb, kbps) !== s) continue; // some split would be empty
    const t = cdiv(tiles * s, smCount) * (kbps + (s > 1 ? 3 + (s * blockM * blockN) / 4096 : 0));
    if (t < best) {
      best = t;
      splitK = s;
    }
  }
  return {
    swapAB,
    blockM,
    blockN,
    splitK,
    stages: fp4StagesFor(xFp4, yFp4, blockM, blockN, format === 'mxfp4'),
  };
}

const OUT_KIND = { bf16: 0, f16: 1 } as const;

function defines(cfg: Sm90Fp4Config, aFp4: boolean, mx: boolean, outKind: number): Record<string, number> {
  return {
    BM: cfg.blockM,
    BN: cfg.blockN,
    STAGES: cfg.stages,
    X_FP4: cfg.swapAB || aFp4 ? 1 : 0,
    Y_FP4: cfg.swapAB ? 0 : 1,
    SWAP: cfg.swapAB ? 1 : 0,
    MX: mx ? 1 : 0,
    OUT_KIND: outKind,
    // Swap-AB W4A16 decodes the weight straight into wgmma A registers: bitwise equal to the shared-memory
    // decode and 1.13-1.35x faster on the H100 (bench/results/h100-fp4-2026-12-06-xreg.json, docs/fp4.md).
    XREG: cfg.swapAB ? 1 : 0,
  };
}

/**
 * Every instantiation `chooseSm90Fp4Config` can pick (formats × output dtypes × tile shapes), for the CUDA
 * compile tier. sm_90a runs the wgmma path; sm_100a (no wgmma) builds the mma.sync variant of the same
 * kernel, compile-checked only — `sm90Fp4GemmApplies` does not select it (see docs/fp4.md).
 */
export const SM90_FP4_INSTANCES = Object.freeze(
  ([false, true] as const).flatMap((mx) =>
    Object.values(OUT_KIND).flatMap((outKind) => {
      const shapes: { swap: boolean; aFp4: boolean; bn: 8 | 16 | 32 | 64 | 128 }[] = [
        ...([8, 16, 32, 64] as const).map((bn) => ({ swap: true, aFp4: false, bn })),
        { swap: false, aFp4: false, bn: 64 },
        { swap: false, aFp4: false, bn: 128 },
        { swap: false, aFp4: true, bn: 128 },
      ];
      return shapes.map(({ swap, aFp4, bn }) => {
        const xFp4 = swap || aFp4;
        const cfg: Sm90Fp4Config = {
          swapAB: swap,
          blockM: 128,
          blockN: bn,
          splitK: 1,
          stages: fp4StagesFor(xFp4, !swap, 128, bn, mx),
        };
        return {
          file: SM90_FILE,
          names: ['fp4_gemm_sm90', 'fp4_sm90_swizzle_scales'],
          defines: defines(cfg, aFp4, mx, outKind),
          archs: ['sm_90a', 'sm_100a'],
          hot: true,
        };
      });
    }),
  ),
);

const is16 = (p: DevicePtr) => p % 16n === 0n;

/**
 * The sm90 kernel handles this problem: Hopper (sm_90a), and — when `args` is given — operands TMA can read:
 * 16-byte aligned, rows contiguous (a `[M, K]`/`[M, K/2]` row-major, b a transposed `[N, K/2]` row-major
 * weight), a row-major contiguous `out`. Scales may be 'linear' or misaligned (the launcher re-lays them).
 */
export function sm90Fp4GemmApplies(
  rt: CudaRuntime,
  plan: MmFp4Plan,
  args?: MmFp4Args,
  out?: Tensor,
): boolean {
  // GEMMKIT_CUDA_SM90=0 forces the portable kernel (A/B comparisons on Hopper).
  if (
    rt.device.arch !== 'sm_90a' ||
    !rt.switches.sm90 ||
    plan.k % 32 !== 0 ||
    plan.m >= 2 ** 31 ||
    plan.n >= 2 ** 31
  )
    return false;
  if (!args) return true;
  const kRow = plan.aKind === 'bf16' ? plan.k : plan.k / 2;
  const a = args.a;
  const b = args.b;
  if (plan.m > 1 && a.strides[0] !== kRow) return false;
  if (a.strides[1] !== 1 && kRow > 1) return false;
  if (b.strides[0] !== 1 || (plan.n > 1 && b.strides[1] !== plan.k / 2)) return false;
  if (!is16(rt.tensorAddress(a, 'mmFp4.a')) || !is16(rt.tensorAddress(b, 'mmFp4.b'))) return false;
  if (out && (out.strides[1] !== 1 || (plan.m > 1 && out.strides[0] !== plan.n))) return false;
  return true;
}

/** Split-K tile counters live as long as the runtime: zeroed once, re-armed by the kernel itself. */
const counters = new WeakMap<CudaRuntime, DevicePtr>();
const COUNTER_SLOTS = 4096;

function splitCounters(rt: CudaRuntime): DevicePtr {
  let c = counters.get(rt);
  if (c === undefined) {
    const storage = rt.alloc(COUNTER_SLOTS * 4);
    rt.fill(storage.ptr, 0, COUNTER_SLOTS * 4);
    c = storage.ptr;
    counters.set(rt, c);
  }
  return c;
}

/** Run mmFp4 on the sm90 kernel into `out` (already allocated, `[M, N]` row-major). */
export function launchSm90Fp4Gemm(rt: CudaRuntime, plan: MmFp4Plan, args: MmFp4Args, out: Tensor): void {
  const { m, n, k } = plan;
  if (m === 0 || n === 0) return;
  const aFp4 = plan.aKind === 'fp4';
  const mx = plan.format === 'mxfp4';
  const cfg = chooseSm90Fp4Config(m, n, k, plan.aKind, plan.format, rt.device.smCount);
  const kCols = k / plan.vec;
  const kpad4 = cdiv(kCols, 4);
  const temps: { dispose(): void }[] = [];

  // Block scales as the kernel reads them: 128x4 swizzled, 16-byte aligned. Re-lay 'linear' or misaligned ones.
  const scales = (t: Tensor, rows: number, arg: string): DevicePtr => {
    const ptr = rt.tensorAddress(t, arg);
    const swz = plan.scaleLayout === 'swizzle128x4';
    if (swz && is16(ptr)) return ptr;
    const rowsPad = cdiv(rows, 128) * 128;
    const dst = rt.alloc(rowsPad * kpad4 * 4);
    temps.push(dst);
    const conv = rt.getKernel({ file: SM90_FILE, name: 'fp4_sm90_swizzle_scales', arch: 'sm_90a' });
    conv.launch({
      grid: [cdiv(rowsPad * kpad4 * 4, 256), 1, 1],
      block: [256, 1, 1],
      args: [
        t,
        dst.ptr,
        { i32: rows },
        { i32: kCols },
        { i32: kpad4 * 4 },
        { i64: swz ? 0 : t.strides[0] },
        { i64: swz ? 0 : t.strides[1] },
        { i32: swz ? 1 : 0 },
      ],
    });
    return dst.ptr;
  };

  const aPtr = rt.tensorAddress(args.a, 'mmFp4.a');
  const bPtr = rt.tensorAddress(args.b, 'mmFp4.b');
  const bScale = scales(args.bScale, n, 'mmFp4.bScale');
  const aScale = aFp4 && args.aScale ? scales(args.aScale, m, 'mmFp4.aScale') : 0n;
  // FP4 operand: bytes [rows, K/2], raw 64-byte rows; bf16 operand: [rows, K], 128B swizzle.
  const fp4Map = (ptr: DevicePtr, rows: number, box: number) =>
    rt.tensorMap({ ptr, dtype: 'u8', shape: [rows, k / 2], box: [box, 64], l2Promotion: '256B' });
  const bf16Map = (ptr: DevicePtr, rows: number, box: number) =>
    rt.tensorMap({
      ptr,
      dtype: 'bf16',
      shape: [rows, k],
      box: [box, 64],
      swizzle: '128B',
      l2Promotion: '256B',
    });
  const aMap = (box: number) => (aFp4 ? fp4Map(aPtr, m, box) : bf16Map(aPtr, m, box));
  const [mapX, mapY, xs, ys, rowsX, rowsY] = cfg.swapAB
    ? [fp4Map(bPtr, n, cfg.blockM), aMap(cfg.blockN), bScale, 0n, n, m]
    : [aMap(cfg.blockM), fp4Map(bPtr, n, cfg.blockN), aScale, bScale, m, n];

  const tiles = cdiv(rowsX, cfg.blockM) * cdiv(rowsY, cfg.blockN);
  const splitK = cfg.splitK > 1 && tiles <= COUNTER_SLOTS ? cfg.splitK : 1;
  const ws = splitK > 1 ? rt.alloc(tiles * splitK * cfg.blockM * cfg.blockN * 4) : null;
  if (ws) temps.push(ws);
  const kernel = rt.getKernel({
    file: SM90_FILE,
    name: 'fp4_gemm_sm90',
    arch: 'sm_90a',
    defines: defines(cfg, aFp4, mx, OUT_KIND[plan.outDtype]),
  });
  kernel.launch({
    grid: [Math.min(tiles * splitK, rt.device.smCount), 1, 1],
    block: [(cfg.blockM / 64 + 1) * 128, 1, 1],
    sharedBytes: sharedBytes(cfg.swapAB || aFp4, !cfg.swapAB, cfg, mx),
    args: [
      mapX,
      mapY,
      xs,
      ys,
      args.alpha ?? 0n,
      out,
      ws ? ws.ptr : 0n,
      splitK > 1 ? splitCounters(rt) : 0n,
      { i32: rowsX },
      { i32: rowsY },
      { i32: k },
      { i32: kpad4 },
      { i64: n },
      { i32: splitK },
    ],
  });
  // Stream-ordered caching allocator: later work on the stream comes after this launch, so the temporaries
  // can go back to the pool now.
  for (const t of temps) t.dispose();
}
