import type { AnyBadInputCase, AnyConformanceCase } from '../types.js';
import {
  batchDeepgemmFp8NtGroupwiseBadInputs,
  batchDeepgemmFp8NtGroupwiseCases,
} from './batch-deepgemm-fp8-nt-groupwise.js';
import { bmmFp8BadInputs, bmmFp8Cases } from './bmm-fp8.js';
import { bmmFp16BadInputs, bmmFp16Cases } from './bmm-fp16.js';
import { dequantFp4BadInputs, dequantFp4Cases } from './dequant-fp4.js';
import { dequantFp8BadInputs, dequantFp8Cases } from './dequant-fp8.js';
import { fp8BlockscaleGemmBadInputs, fp8BlockscaleGemmCases } from './fp8-blockscale-gemm.js';
import { fp8MqaLogitsBadInputs, fp8MqaLogitsCases } from './fp8-mqa-logits.js';
import { fp8PagedMqaLogitsBadInputs, fp8PagedMqaLogitsCases } from './fp8-paged-mqa-logits.js';
import { gemmFp8NtGroupwiseBadInputs, gemmFp8NtGroupwiseCases } from './gemm-fp8-nt-groupwise.js';
import {
  getPagedMqaLogitsMetadataBadInputs,
  getPagedMqaLogitsMetadataCases,
} from './get-paged-mqa-logits-metadata.js';
import { maskedMoeGemm8bitBadInputs, maskedMoeGemm8bitCases } from './masked-moe-gemm-8bit.js';
import { mmFp4BadInputs, mmFp4Cases } from './mm-fp4.js';
import { mmFp8BadInputs, mmFp8Cases } from './mm-fp8.js';
import { moeAlignLayoutBadInputs, moeAlignLayoutCases } from './moe-align-layout.js';
import { moePermuteBadInputs, moePermuteCases } from './moe-permute.js';
import { siluMulQuantFp8BadInputs, siluMulQuantFp8Cases } from './moe-silu-mul-quant-fp8.js';
import { moeTopkBadInputs, moeTopkCases } from './moe-topk.js';
import { moeUnpermuteBadInputs, moeUnpermuteCases } from './moe-unpermute.js';
import { quantMxfp4BadInputs, quantMxfp4Cases } from './quant-mxfp4.js';
import { quantNvfp4BadInputs, quantNvfp4Cases } from './quant-nvfp4.js';
import { quantPerBlockFp8BadInputs, quantPerBlockFp8Cases } from './quant-per-block-fp8.js';
import { quantPerTensorFp8BadInputs, quantPerTensorFp8Cases } from './quant-per-tensor-fp8.js';
import { quantPerTokenFp8BadInputs, quantPerTokenFp8Cases } from './quant-per-token-fp8.js';
import { raggedKMoeGemm8bitBadInputs, raggedKMoeGemm8bitCases } from './ragged-k-moe-gemm-8bit.js';
import { raggedMMoeGemm8bitBadInputs, raggedMMoeGemm8bitCases } from './ragged-m-moe-gemm-8bit.js';
import { scaleToMnMajorBadInputs, scaleToMnMajorCases } from './scale-to-mn-major.js';
import { segmentGemmBadInputs, segmentGemmCases } from './segment-gemm.js';
import { swizzleScalesBadInputs, swizzleScalesCases } from './swizzle-scales.js';
import { tgvGemmBadInputs, tgvGemmCases } from './tgv-gemm.js';
import { unswizzleScalesBadInputs, unswizzleScalesCases } from './unswizzle-scales.js';

/** Every conformance case, one file per op under `cases/`; add one spread per op. */
export const conformanceCases: readonly AnyConformanceCase[] = [
  ...batchDeepgemmFp8NtGroupwiseCases,
  ...fp8MqaLogitsCases,
  ...fp8PagedMqaLogitsCases,
  ...getPagedMqaLogitsMetadataCases,
  ...maskedMoeGemm8bitCases,
  ...raggedKMoeGemm8bitCases,
  ...raggedMMoeGemm8bitCases,
  ...segmentGemmCases,
  ...moeTopkCases,
  ...moeAlignLayoutCases,
  ...moePermuteCases,
  ...moeUnpermuteCases,
  ...siluMulQuantFp8Cases,
  ...bmmFp16Cases,
  ...bmmFp8Cases,
  ...mmFp8Cases,
  ...gemmFp8NtGroupwiseCases,
  ...fp8BlockscaleGemmCases,
  ...mmFp4Cases,
  ...tgvGemmCases,
  ...dequantFp4Cases,
  ...dequantFp8Cases,
  ...quantMxfp4Cases,
  ...quantNvfp4Cases,
  ...quantPerBlockFp8Cases,
  ...quantPerTensorFp8Cases,
  ...quantPerTokenFp8Cases,
  ...scaleToMnMajorCases,
  ...swizzleScalesCases,
  ...unswizzleScalesCases,
];

/** Every bad-input case, one file per op under `cases/`; add one spread per op. */
export const badInputCases: readonly AnyBadInputCase[] = [
  ...batchDeepgemmFp8NtGroupwiseBadInputs,
  ...fp8MqaLogitsBadInputs,
  ...fp8PagedMqaLogitsBadInputs,
  ...getPagedMqaLogitsMetadataBadInputs,
  ...maskedMoeGemm8bitBadInputs,
  ...raggedKMoeGemm8bitBadInputs,
  ...raggedMMoeGemm8bitBadInputs,
  ...segmentGemmBadInputs,
  ...moeTopkBadInputs,
  ...moeAlignLayoutBadInputs,
  ...moePermuteBadInputs,
  ...moeUnpermuteBadInputs,
  ...siluMulQuantFp8BadInputs,
  ...bmmFp16BadInputs,
  ...bmmFp8BadInputs,
  ...mmFp8BadInputs,
  ...gemmFp8NtGroupwiseBadInputs,
  ...fp8BlockscaleGemmBadInputs,
  ...mmFp4BadInputs,
  ...tgvGemmBadInputs,
  ...dequantFp4BadInputs,
  ...dequantFp8BadInputs,
  ...quantMxfp4BadInputs,
  ...quantNvfp4BadInputs,
  ...quantPerBlockFp8BadInputs,
  ...quantPerTensorFp8BadInputs,
  ...quantPerTokenFp8BadInputs,
  ...scaleToMnMajorBadInputs,
  ...swizzleScalesBadInputs,
  ...unswizzleScalesBadInputs,
];
