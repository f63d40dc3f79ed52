import type { ArgsOf, PlanOf, ResultOf } from '../op.js';
import { batchDeepgemmFp8NtGroupwise } from './batch-deepgemm-fp8-nt-groupwise.js';
import { bmmFp8 } from './bmm-fp8.js';
import { bmmFp16 } from './bmm-fp16.js';
import { dequantFp4 } from './dequant-fp4.js';
import { dequantFp8 } from './dequant-fp8.js';
import { fp8BlockscaleGemm } from './fp8-blockscale-gemm.js';
import { fp8MqaLogits } from './fp8-mqa-logits.js';
import { fp8PagedMqaLogits } from './fp8-paged-mqa-logits.js';
import { gemmFp8NtGroupwise } from './gemm-fp8-nt-groupwise.js';
import { getPagedMqaLogitsMetadata } from './get-paged-mqa-logits-metadata.js';
import { maskedMoeGemm8bit } from './masked-moe-gemm-8bit.js';
import { mmFp4 } from './mm-fp4.js';
import { mmFp8 } from './mm-fp8.js';
import { moeAlignLayout } from './moe-align-layout.js';
import { moePermute } from './moe-permute.js';
import { moeTopk } from './moe-topk.js';
import { moeUnpermute } from './moe-unpermute.js';
import { quantMxfp4 } from './quant-mxfp4.js';
import { quantNvfp4 } from './quant-nvfp4.js';
import { quantPerBlockFp8 } from './quant-per-block-fp8.js';
import { quantPerTensorFp8 } from './quant-per-tensor-fp8.js';
import { quantPerTokenFp8 } from './quant-per-token-fp8.js';
import { raggedKMoeGemm8bit } from './ragged-k-moe-gemm-8bit.js';
import { raggedMMoeGemm8bit } from './ragged-m-moe-gemm-8bit.js';
import { scaleToMnMajor } from './scale-to-mn-major.js';
import { segmentGemm } from './segment-gemm.js';
import { siluMulQuantFp8 } from './silu-mul-quant-fp8.js';
import { swizzleScales } from './swizzle-scales.js';
import { tgvGemm } from './tgv-gemm.js';
import { unswizzleScales } from './unswizzle-scales.js';

export type {
  BatchDeepgemmFp8NtGroupwiseArgs,
  BatchDeepgemmFp8NtGroupwisePlan,
} from './batch-deepgemm-fp8-nt-groupwise.js';
export type { BmmFp8Args, BmmFp8OutDtype, BmmFp8Plan } from './bmm-fp8.js';
export type { BmmFp16Args, BmmFp16Plan } from './bmm-fp16.js';
export { fp4ScaleIndex, fp4ScaleShape } from './common/fp4.js';
export type { DequantFp4Args, DequantFp4Plan } from './dequant-fp4.js';
export type { DequantFp8Args, DequantFp8Plan } from './dequant-fp8.js';
export type {
  BlockscaleGranularity,
  Fp8BlockscaleGemmArgs,
  Fp8BlockscaleGemmPlan,
} from './fp8-blockscale-gemm.js';
export type { Fp8MqaLogitsArgs, Fp8MqaLogitsPlan } from './fp8-mqa-logits.js';
export type { Fp8PagedMqaLogitsArgs, Fp8PagedMqaLogitsPlan } from './fp8-paged-mqa-logits.js';
export type {
  GemmFp8NtGroupwiseArgs,
  GemmFp8NtGroupwisePlan,
  GroupwiseOutDtype,
} from './gemm-fp8-nt-groupwise.js';
export type {
  GetPagedMqaLogitsMetadataArgs,
  GetPagedMqaLogitsMetadataPlan,
} from './get-paged-mqa-logits-metadata.js';
export * from './grouped/index.js';
export {
  isMaskedMoeOverlap,
  type MaskedMoeGemm8bitArgs,
  type MaskedMoeGemm8bitPlan,
  type MaskedMoeGemm8bitResult,
  type MaskedMoeOverlapResult,
  maskedMoeOut,
  runMaskedMoeGemm8bit,
  SIGNAL_BLOCK_M,
} from './masked-moe-gemm-8bit.js';
export type { Fp4Format, Fp4ScaleLayout, MmFp4Args, MmFp4Plan } from './mm-fp4.js';
export type { MmFp8Args, MmFp8Plan } from './mm-fp8.js';
export type { MoeAlignLayoutArgs, MoeAlignLayoutPlan, MoeAlignLayoutResult } from './moe-align-layout.js';
export { MOE_FLOAT_DTYPES, moeMaxRows } from './moe-common.js';
export type { MoePermuteArgs, MoePermutePlan } from './moe-permute.js';
export type { MoeTopkArgs, MoeTopkPlan, MoeTopkResult } from './moe-topk.js';
export type { MoeUnpermuteArgs, MoeUnpermutePlan } from './moe-unpermute.js';
export {
  type Fp4Plan,
  type Fp8BlockPlan,
  QUANT_INPUT_DTYPES,
  type QuantResult,
} from './quant-common.js';
export {
  dequantizeFp4,
  type Fp4Result,
  MXFP4_BLOCK,
  NVFP4_BLOCK,
  quantizeMxfp4,
  quantizeNvfp4,
} from './quant-host-fp4.js';
export {
  dequantizeFp8Blocks,
  type Fp8BlockOptions,
  type Fp8BlockResult,
  type Fp8DType,
  quantizeFp8Blocks,
  quantizeFp8WithScale,
} from './quant-host-fp8.js';
export {
  mnMajorStorageElements,
  mnMajorStrides,
  swizzle128x4,
  swizzle128x4Offset,
  swizzled128x4Shape,
  tmaAlignedRows,
  unswizzle128x4,
} from './quant-layout.js';
export type { QuantMxfp4Args, QuantMxfp4Plan } from './quant-mxfp4.js';
export type { QuantNvfp4Args, QuantNvfp4Plan, QuantNvfp4Result } from './quant-nvfp4.js';
export type { QuantPerBlockFp8Args, QuantPerBlockFp8Plan } from './quant-per-block-fp8.js';
export type { QuantPerTensorFp8Args, QuantPerTensorFp8Plan } from './quant-per-tensor-fp8.js';
export type { QuantPerTokenFp8Args, QuantPerTokenFp8Plan } from './quant-per-token-fp8.js';
export {
  ceilLog2,
  DEFAULT_AMAX_EPS,
  E2M1_MAX,
  FP8_MAX,
  floorLog2,
  fp8GroupScale,
  mxfp4Exponent,
  NVFP4_GLOBAL_NUMERATOR,
  nvfp4GlobalScale,
} from './quant-rules.js';
export type { RaggedKMoeGemm8bitArgs, RaggedKMoeGemm8bitPlan } from './ragged-k-moe-gemm-8bit.js';
export type { RaggedMMoeGemm8bitArgs, RaggedMMoeGemm8bitPlan } from './ragged-m-moe-gemm-8bit.js';
export type { ScaleToMnMajorArgs, ScaleToMnMajorPlan } from './scale-to-mn-major.js';
export type { SegmentGemmArgs, SegmentGemmPlan } from './segment-gemm.js';
export type { SiluMulQuantFp8Args, SiluMulQuantFp8Plan } from './silu-mul-quant-fp8.js';
export { SWIZZLE_SCALE_DTYPES, type SwizzleScalesArgs, type SwizzleScalesPlan } from './swizzle-scales.js';
export type { TgvGemmArgs, TgvGemmPlan } from './tgv-gemm.js';
export type { UnswizzleScalesArgs, UnswizzleScalesPlan } from './unswizzle-scales.js';

/**
 * The op registry: every op contract of gemmkit, by its public (camelCase) name.
 * Backends implement a subset through `Backend.kernels`.
 */
export const contracts = {
  batchDeepgemmFp8NtGroupwise,
  fp8MqaLogits,
  fp8PagedMqaLogits,
  getPagedMqaLogitsMetadata,
  maskedMoeGemm8bit,
  raggedKMoeGemm8bit,
  raggedMMoeGemm8bit,
  segmentGemm,
  moeTopk,
  moeAlignLayout,
  moePermute,
  moeUnpermute,
  siluMulQuantFp8,
  dequantFp4,
  dequantFp8,
  quantMxfp4,
  quantNvfp4,
  quantPerBlockFp8,
  quantPerTensorFp8,
  quantPerTokenFp8,
  scaleToMnMajor,
  swizzleScales,
  unswizzleScales,
  bmmFp16,
  bmmFp8,
  mmFp8,
  gemmFp8NtGroupwise,
  fp8BlockscaleGemm,
  mmFp4,
  tgvGemm,
} as const;

export type Contracts = typeof contracts;
export type OpName = keyof Contracts & string;
export type OpArgs<K extends OpName> = ArgsOf<Contracts[K]>;
export type OpPlan<K extends OpName> = PlanOf<Contracts[K]>;
export type OpResult<K extends OpName> = ResultOf<Contracts[K]>;
export const OP_NAMES = Object.keys(contracts) as OpName[];
