// Half-precision GEMM family: bmmFp16 (fallback when cuBLASLt is absent), tgvGemm (small M + bias),
// segmentGemm. A and B are f16 or bf16 (same type), f32 accumulation, any output type.
// Defines: GK_TA == GK_TB in {GK_T_F16, GK_T_BF16}, GK_MMA matching, GK_CFG, GK_SCALE = GK_SCALE_NONE.
#include "common/gemm_core.cuh"
#if !defined(GK_TA) || !defined(GK_TB) || !defined(GK_MMA) || !defined(GK_CFG) || !defined(GK_SCALE)
#error "gemm_half.cu needs -DGK_TA -DGK_TB -DGK_MMA -DGK_CFG -DGK_SCALE"
#endif
GK_DEFINE_GEMM_ENTRY(gk_gemm_half)
