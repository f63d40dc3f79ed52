// Grouped MoE GEMM family: ragged-M contiguous layouts (per-token m_indices with -1 padding rows skipped,
// psum ends, per-expert counts), masked (rows >= masked_m untouched, overlap signal incremented with release
// semantics after each tile store), ragged-K (out f32 += A_g . B_g per group) and batched masked
// (batchDeepgemmFp8NtGroupwise). Same mainloop as gemm_fp8.cu; the mapping is the runtime `map` field.
// Index data is bounds-checked; bad entries are skipped and flagged in the status word (common/status.cuh).
#include "common/gemm_core.cuh"
#if !defined(GK_TA) || !defined(GK_TB) || !defined(GK_MMA) || !defined(GK_CFG) || !defined(GK_SCALE)
#error "gemm_moe.cu needs -DGK_TA -DGK_TB -DGK_MMA -DGK_CFG -DGK_SCALE"
#endif
GK_DEFINE_GEMM_ENTRY(gk_gemm_moe)
