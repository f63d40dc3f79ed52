// FP8 GEMM family: gemmFp8NtGroupwise / fp8BlockscaleGemm (128-K block scales with promotion, both scale
// majors, 1x128 and 128x128 granularity), bmmFp8 / mmFp8 (per-tensor or per-row scales in the epilogue),
// fp8 output with outputScale, and bf16 x fp8 mixes (the bf16 side is taken as-is, the fp8 side converted).
// SM89+: GK_MMA = GK_MMA_FP8 (native m16n8k32 e4m3/e5m2). SM80: GK_MMA = GK_MMA_BF16, fp8 converted to bf16
// in shared memory (exact), same promotion.
#include "common/gemm_core.cuh"
#if !defined(GK_TA) || !defined(GK_TB) || !defined(GK_MMA) || !defined(GK_CFG) || !defined(GK_SCALE)
#error "gemm_fp8.cu needs -DGK_TA -DGK_TB -DGK_MMA -DGK_CFG -DGK_SCALE"
#endif
GK_DEFINE_GEMM_ENTRY(gk_gemm_fp8)
