import type { KernelTable } from '@gemmkit/core';
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

export { type GemmParams, packGemmParams } from './gemm-params.js';
export { GEMM_TILES, gemmInstance, KERNEL_INSTANCES, type KernelInstance } from './instances.js';

/**
 * Kernel table of the CUDA op launchers (portable kernels under kernels/, one launcher file per op). The
 * backend merges it with its own cuBLASLt kernels (bmmFp16, bmmFp8 try cuBLASLt first and fall back here).
 */
export const kernels: KernelTable = {
  batchDeepgemmFp8NtGroupwise,
  bmmFp8,
  bmmFp16,
  dequantFp4,
  dequantFp8,
  fp8BlockscaleGemm,
  fp8MqaLogits,
  fp8PagedMqaLogits,
  gemmFp8NtGroupwise,
  getPagedMqaLogitsMetadata,
  maskedMoeGemm8bit,
  mmFp4,
  mmFp8,
  moeAlignLayout,
  moePermute,
  moeTopk,
  moeUnpermute,
  quantMxfp4,
  quantNvfp4,
  quantPerBlockFp8,
  quantPerTensorFp8,
  quantPerTokenFp8,
  raggedKMoeGemm8bit,
  raggedMMoeGemm8bit,
  scaleToMnMajor,
  segmentGemm,
  siluMulQuantFp8,
  swizzleScales,
  tgvGemm,
  unswizzleScales,
};
