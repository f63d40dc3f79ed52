// FP4 GEMM family: mmFp4 (NVFP4: e2m1 x e4m3 scale per 16 + f32 global scale; MXFP4: ue8m0 per 32), linear
// or 128x4-swizzled scales, and W4A16 (f16/bf16 activations x e2m1 weights). e2m1 values are decoded and
// multiplied by their block scale while converting to bf16/f16 in shared memory (exact), then bf16/f16
// tensor-core MMA with f32 accumulation; the global scale is applied in the epilogue (alpha_ptr).
// Defines: GK_TA in {E2M1, F16, BF16}, GK_TB = GK_T_E2M1, GK_MMA in {BF16, F16}, GK_SCALE = GK_SCALE_INLINE.
#include "common/gemm_core.cuh"
#if !defined(GK_TA) || !defined(GK_TB) || !defined(GK_MMA) || !defined(GK_CFG) || !defined(GK_SCALE)
#error "gemm_fp4.cu needs -DGK_TA -DGK_TB -DGK_MMA -DGK_CFG -DGK_SCALE"
#endif
GK_DEFINE_GEMM_ENTRY(gk_gemm_fp4)
