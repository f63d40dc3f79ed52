// Warp-level tensor-core MMA (mma.sync) and cp.async wrappers.
// Fragment layouts (PTX ISA, "Matrix fragments for mma.m16n8k16 / m16n8k32"): with g = lane/4, t = lane%4,
// A regs = words (row g, word t), (g+8, t), (g, t+4), (g+8, t+4) of a 16 x 32-byte slice; B regs = words
// (col g, word t), (g, t+4) of an 8 x 32-byte K-major slice; C = (g, 2t..2t+1), (g+8, 2t..2t+1).
// The 16-bit m16n8k16 and the 8-bit m16n8k32 shapes share this word pattern, so one shared-memory tile layout
// (rows of 32-byte k-steps) serves both.
#pragma once
#include <stdint.h>
#include "numeric.cuh"

// mma type codes (GK_MMA define): which tensor-core instruction the tiles are fed to.
#define GK_MMA_F16 0
#define GK_MMA_BF16 1
#define GK_MMA_FP8 2  // native e4m3/e5m2 m16n8k32, SM89+

template <int MMA, int TA, int TB>
__device__ __forceinline__ void gk_mma(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
  if constexpr (MMA == GK_MMA_BF16) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
  } else if constexpr (MMA == GK_MMA_F16) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
  } else {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 890
    // FP8 mma needs SM89+; the launchers pick GK_MMA_BF16 (fp8 converted in shared memory) below that.
    __trap();
#else
#define GK_MMA_FP8_ASM(KA, KB)                                                                              \
  asm volatile("mma.sync.aligned.m16n8k32.row.col.f32." KA "." KB                                           \
               ".f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"                                \
               : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])                                             \
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]))
    if constexpr (TA == GK_T_E4M3 && TB == GK_T_E4M3) GK_MMA_FP8_ASM("e4m3", "e4m3");
    else if constexpr (TA == GK_T_E4M3 && TB == GK_T_E5M2) GK_MMA_FP8_ASM("e4m3", "e5m2");
    else if constexpr (TA == GK_T_E5M2 && TB == GK_T_E4M3) GK_MMA_FP8_ASM("e5m2", "e4m3");
    else GK_MMA_FP8_ASM("e5m2", "e5m2");
#undef GK_MMA_FP8_ASM
#endif
  }
}

__device__ __forceinline__ uint32_t gk_smem_addr(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}
// 16-byte async copy global -> shared (L2 only, bypassing L1: the tile is used once per CTA).
__device__ __forceinline__ void gk_cp_async16(void* smem, const void* gmem) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(gk_smem_addr(smem)), "l"(gmem));
}
__device__ __forceinline__ void gk_cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N>
__device__ __forceinline__ void gk_cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N));
}
