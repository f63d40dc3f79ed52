import { fail } from '@gemmkit/core';
import type { KernelSpec } from '../runtime/launch.js';
import { MMA, SCALE, T } from './codes.js';
import { SM90_FP4_INSTANCES } from './sm90/fp4-gemm-sm90.js';
import { SM90_FP8_INSTANCES } from './sm90/fp8-gemm-sm90.js';
import { SM90_GROUPED_INSTANCES } from './sm90/grouped-fp8-sm90.js';
import { SM90_MQA_INSTANCES } from './sm90/mqa-logits-sm90.js';
import { SM90_RAGGED_K_INSTANCES } from './sm90/ragged-k-sm90.js';
import { SM90_SEGMENT_INSTANCES } from './sm90/segment-gemm-sm90.js';

/**
 * Every kernel instantiation the launchers can choose: one list, shared by the launchers (which pick from it)
 * and by the compile tier (test/compile.test.ts compiles each entry for each of its archs with
 * `nvcc -cubin -Xptxas -v` and fails on compile errors and on local-memory spills in hot kernels).
 */
export interface KernelInstance {
  /** Source under packages/backend-cuda/kernels/. */
  readonly file: string;
  /** `extern "C"` entry points this compile unit provides (all are checked). */
  readonly names: readonly string[];
  /** Compile-time constants (-D). */
  readonly defines: Readonly<Record<string, number>>;
  /** Architectures the launchers use this instance on (the compile tier builds each). */
  readonly archs: readonly string[];
  /** Hot kernels must not spill to local memory. */
  readonly hot: boolean;
}

/** The portable archs of the compile tier: SM89 (native FP8 mma), Hopper, Blackwell. */
export const PORTABLE_ARCHS = ['sm_89', 'sm_90a', 'sm_100a'] as const;
/** Below SM89 FP8 operands are converted to bf16 in shared memory. */
export const FALLBACK_ARCHS = ['sm_80'] as const;

/** Tile configurations of kernels/common/gemm_core.cuh (GkTile<CFG>). */
export const GEMM_TILES = {
  0: { bm: 128, bn: 128, threads: 256 },
  1: { bm: 64, bn: 64, threads: 128 },
  2: { bm: 16, bn: 128, threads: 128 },
  3: { bm: 128, bn: 64, threads: 256 },
} as const;
export type TileCfg = keyof typeof GEMM_TILES;

export type GemmFamily = 'gemm_half' | 'gemm_fp8' | 'gemm_fp4' | 'gemm_moe';

export interface GemmKey {
  family: GemmFamily;
  ta: number;
  tb: number;
  mma: number;
  cfg: TileCfg;
  scale: number;
}

const FP8_TYPES = [T.e4m3, T.e5m2];

function gemm(k: GemmKey, archs: readonly string[]): KernelInstance {
  return {
    file: `${k.family}.cu`,
    names: [`gk_${k.family}`],
    defines: { GK_TA: k.ta, GK_TB: k.tb, GK_MMA: k.mma, GK_CFG: k.cfg, GK_SCALE: k.scale },
    archs,
    hot: true,
  };
}

function buildGemmInstances(): KernelInstance[] {
  const out: KernelInstance[] = [];
  const all = [...FALLBACK_ARCHS, ...PORTABLE_ARCHS];
  // Half GEMM (bmmFp16 fallback, tgvGemm, segmentGemm): large, medium and small-M tiles.
  for (const t of [T.f16, T.bf16])
    for (const cfg of [0, 1, 2] as const)
      out.push(
        gemm(
          {
            family: 'gemm_half',
            ta: t,
            tb: t,
            mma: t === T.f16 ? MMA.f16 : MMA.bf16,
            cfg,
            scale: SCALE.none,
          },
          all,
        ),
      );
  // FP8: block scales with promotion (tiles 3 / 2) and per-tensor/per-row epilogue scales (tiles 0 / 2),
  // every e4m3/e5m2 pair; native fp8 mma on SM89+, bf16 conversion below.
  for (const ta of FP8_TYPES)
    for (const tb of FP8_TYPES)
      for (const [scale, cfgs] of [
        [SCALE.promote128, [3, 2]],
        [SCALE.epilogue, [0, 2]],
      ] as const)
        for (const cfg of cfgs) {
          out.push(gemm({ family: 'gemm_fp8', ta, tb, mma: MMA.fp8, cfg, scale }, PORTABLE_ARCHS));
          out.push(gemm({ family: 'gemm_fp8', ta, tb, mma: MMA.bf16, cfg, scale }, FALLBACK_ARCHS));
        }
  // FP4: e2m1 x e2m1 (NVFP4 / MXFP4) and W4A16, scales multiplied in while converting.
  for (const [ta, mma] of [
    [T.e2m1, MMA.bf16],
    [T.bf16, MMA.bf16],
    [T.f16, MMA.f16],
  ] as const)
    for (const cfg of [0, 2] as const)
      out.push(gemm({ family: 'gemm_fp4', ta, tb: T.e2m1, mma, cfg, scale: SCALE.inline }, all));
  // Grouped MoE: 128- and 64-row tiles (signal blocks are 64 rows), block scales with promotion.
  for (const ta of FP8_TYPES)
    for (const tb of FP8_TYPES)
      for (const cfg of [3, 1] as const) {
        out.push(
          gemm({ family: 'gemm_moe', ta, tb, mma: MMA.fp8, cfg, scale: SCALE.promote128 }, PORTABLE_ARCHS),
        );
        out.push(
          gemm({ family: 'gemm_moe', ta, tb, mma: MMA.bf16, cfg, scale: SCALE.promote128 }, FALLBACK_ARCHS),
        );
      }
  return out;
}

/** Every compile unit: GEMM instantiations plus the indexer, quantizer and permute kernels. */
export const KERNEL_INSTANCES: readonly KernelInstance[] = Object.freeze([
  ...buildGemmInstances(),
  ...SM90_FP8_INSTANCES,
  ...SM90_GROUPED_INSTANCES,
  ...SM90_RAGGED_K_INSTANCES,
  ...SM90_SEGMENT_INSTANCES,
  ...SM90_MQA_INSTANCES,
  ...SM90_FP4_INSTANCES,
  {
    file: 'mqa_logits.cu',
    names: [
      'gk_mqa_logits_d64',
      'gk_mqa_logits_d128',
      'gk_paged_mqa_logits_d64',
      'gk_paged_mqa_logits_d128',
      'gk_paged_mqa_metadata',
    ],
    defines: {},
    archs: [...FALLBACK_ARCHS, ...PORTABLE_ARCHS],
    hot: true,
  },
  {
    file: 'quant.cu',
    names: [
      'gk_amax',
      'gk_fill_u32',
      'gk_quant_fp8',
      'gk_quant_fp4',
      'gk_dequant_fp8',
      'gk_dequant_fp4',
      'gk_scale_transform',
    ],
    defines: {},
    archs: [...FALLBACK_ARCHS, ...PORTABLE_ARCHS],
    hot: false,
  },
  {
    file: 'moe_permute.cu',
    names: ['gk_moe_permute', 'gk_moe_unpermute'],
    defines: {},
    archs: [...FALLBACK_ARCHS, ...PORTABLE_ARCHS],
    hot: false,
  },
  {
    file: 'moe_ops.cu',
    names: ['gk_moe_topk', 'gk_moe_align_layout', 'gk_moe_gather', 'gk_silu_mul_quant_fp8'],
    defines: {},
    archs: [...FALLBACK_ARCHS, ...PORTABLE_ARCHS],
    hot: false,
  },
  {
    // Dense gathers of strided inputs (src/ops/dense-inputs.ts); must not touch local memory.
    file: 'strided_copy.cu',
    names: [
      'gk_strided_copy_b1',
      'gk_strided_copy_b2',
      'gk_strided_copy_b4',
      'gk_strided_copy_b8',
      'gk_strided_widen_i32_i64',
    ],
    defines: {},
    archs: [...FALLBACK_ARCHS, ...PORTABLE_ARCHS],
    hot: true,
  },
]);

/** Numeric compute capability of an arch tag ('sm_90a' -> 90). */
export function archNum(arch: string): number {
  const m = /^sm_(\d+)/.exec(arch);
  if (!m)
    fail('E_UNSUPPORTED', 'unrecognized CUDA arch', { arg: 'arch', expected: 'sm_<NN>[a]', actual: arch });
  return Number(m[1]);
}

/** A GEMM instance with its entry point, and the kernel spec a launcher passes to `rt.getKernel` (one object
 * per instance, so the runtime's recent-kernel cache matches it by its fields at once). */
export type PickedGemm = KernelInstance & { name: string; spec: KernelSpec };

/**
 * Instances already looked up, per arch and family, keyed by the key's small integer fields packed into one
 * number: launchers ask per launch, and neither the list scan nor a string key is free on that path.
 */
const picked = new Map<string, Map<GemmFamily, Map<number, PickedGemm>>>();

/**
 * The GEMM instance for `key` on `arch`: native fp8 mma needs SM89+ (below it the launcher asks for the bf16
 * conversion path instead). Throws E_UNSUPPORTED when the list has no such instance, so a launcher can never
 * pick something the compile tier did not build.
 */
export function gemmInstance(key: GemmKey, arch: string): PickedGemm {
  // Every field is a small non-negative code (T, MMA, TileCfg, SCALE: < 16), 4 bits each; anything else
  // is not cached (and matches no instance: the scan fails).
  if ((key.ta | key.tb | key.mma | key.cfg | key.scale) >>> 4 !== 0)
    return withSpec(findGemmInstance(key, arch));
  const code = key.ta | (key.tb << 4) | (key.mma << 8) | (key.cfg << 12) | (key.scale << 16);
  let byFamily = picked.get(arch);
  if (!byFamily) picked.set(arch, (byFamily = new Map()));
  let byCode = byFamily.get(key.family);
  if (!byCode) byFamily.set(key.family, (byCode = new Map()));
  let hit = byCode.get(code);
  if (!hit) {
    hit = withSpec(findGemmInstance(key, arch));
    byCode.set(code, hit);
  }
  return hit;
}

const withSpec = (found: KernelInstance & { name: string }): PickedGemm => ({
  ...found,
  spec: { file: found.file, name: found.name, defines: found.defines },
});

function findGemmInstance(key: GemmKey, arch: string): KernelInstance & { name: string } {
  const n = archNum(arch);
  const mma = key.mma === MMA.fp8 && n < 89 ? MMA.bf16 : key.mma;
  const want = { GK_TA: key.ta, GK_TB: key.tb, GK_MMA: mma, GK_CFG: key.cfg, GK_SCALE: key.scale };
  const hit = KERNEL_INSTANCES.find(
    (i) =>
      i.file === `${key.family}.cu` &&
      Object.entries(want).every(([k, v]) => i.defines[k] === v) &&
      (n < 89 ? i.archs.includes('sm_80') : i.archs.some((a) => a !== 'sm_80')),
  );
  if (!hit)
    fail('E_UNSUPPORTED', 'no CUDA kernel instantiation for this type / tile combination', {
      arg: key.family,
      expected: 'an entry of KERNEL_INSTANCES',
      actual: { ...want, arch },
    });
  return { ...hit, name: hit.names[0] };
}
