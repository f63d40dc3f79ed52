// Host launchers of the sm90 grouped FP8 GEMMs, built into a shared library for the benchmark (bench.py passes
// torch tensors' device pointers through ctypes, so gemmkit's kernels and the torch peers run on the same data).
// Each object is compiled with -DMODE/-DBLOCK_M/-DBLOCK_N/-DSTAGES/-DLAUNCH_NAME; exactly one also gets
// -DGK_HELPERS=1 and exports the block-list launcher (the helper kernels exist once in the library).
#include <cuda.h>
#include <cuda_runtime.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define KERNEL_NAME CAT(kernel_, LAUNCH_NAME)
#if !GK_HELPERS
#define SM90_NO_GROUPED_HELPERS
#endif
#include "../../packages/backend-cuda/kernels/sm90/grouped_fp8_sm90.cu"

static int encode(TmaDesc* out, CUtensorMapDataType dt, unsigned long long inner, unsigned long long outer,
                  unsigned long long pitch_bytes, unsigned box_inner, unsigned box_outer, bool swizzle,
                  const void* ptr) {
  cuuint64_t dims[2] = {inner, outer};
  cuuint64_t strides[1] = {pitch_bytes};
  cuuint32_t box[2] = {box_inner, box_outer};
  cuuint32_t estr[2] = {1, 1};
  CUresult r = cuTensorMapEncodeTiled((CUtensorMap*)out, dt, 2, (void*)ptr, dims, strides, box, estr,
                                      CU_TENSOR_MAP_INTERLEAVE_NONE,
                                      swizzle ? CU_TENSOR_MAP_SWIZZLE_128B : CU_TENSOR_MAP_SWIZZLE_NONE,
                                      CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  return (int)r;
}

// a: [rows_a, K] fp8 (rows_a = M packed, or E*maxM); b: [E*N, K]; sfa_mn: [kb][rows_pad] f32; sfb: [E][ceil(N/128)][kb]
// f32; out: bf16 rows with stride ldd and expert stride out_gstride. mode 1: gidx = m_indices or null, gmeta = the
// block list; mode 2: gidx = masked_m, M = maxM.
extern "C" int CAT(gk_, LAUNCH_NAME)(const void* a, const void* b, const float* sfa_mn, const float* sfb, void* out,
                                    const int* gidx, const int* gmeta, int* signal, unsigned* status, int rows_a,
                                    int M, int N, int K, int E, long ldd, long out_gstride, int grid,
                                    cudaStream_t stream) {
  TmaDesc ma, mb, ms;
  const int rows_pad = (rows_a + 3) / 4 * 4, kb = (K + 127) / 128;
  int e;
  if ((e = encode(&ma, CU_TENSOR_MAP_DATA_TYPE_UINT8, K, rows_a, K, 128, BLOCK_M, true, a))) return e;
  if ((e = encode(&mb, CU_TENSOR_MAP_DATA_TYPE_UINT8, K, (unsigned long long)E * N, K, 128, BLOCK_N, true, b)))
    return e;
  if ((e = encode(&ms, CU_TENSOR_MAP_DATA_TYPE_FLOAT32, rows_pad, kb, (unsigned long long)rows_pad * 4, BLOCK_M, 1,
                  false, sfa_mn)))
    return e;
  const size_t smem = (size_t)STAGES * (BLOCK_M * 128 + BLOCK_N * 128 + BLOCK_M * 4) + 2 * STAGES * 8 + 1024;
  static bool attr = false;
  if (!attr) {
    cudaError_t ce = cudaFuncSetAttribute(KERNEL_NAME, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem);
    if (ce != cudaSuccess) return 1000 + (int)ce;
    attr = true;
  }
  KERNEL_NAME<<<grid, NUM_THREADS, smem, stream>>>(ma, mb, ms, sfb, out, nullptr, nullptr, nullptr, M, N, K, ldd, 1,
                                                   gidx, gmeta, E, out_gstride, signal, status);
  cudaError_t ce = cudaGetLastError();
  return ce == cudaSuccess ? 0 : 1000 + (int)ce;
}

#if GK_HELPERS
// Block list of the contiguous mode (info_mode 0 per_token, 1 psum, 2 per-expert counts).
extern "C" int gk_block_list(const int* info, int info_mode, int M, int E, int align_m, int block_m, int* meta,
                             unsigned* status, cudaStream_t stream) {
  const int nmb = (M + block_m - 1) / block_m;
  const size_t smem = (size_t)(nmb + 2 * E) * 4;
  if (smem > 48 * 1024) {
    cudaError_t ce = cudaFuncSetAttribute(sm90_grouped_block_list, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                          (int)smem);
    if (ce != cudaSuccess) return 1000 + (int)ce;
  }
  sm90_grouped_block_list<<<1, LIST_THREADS, smem, stream>>>(info, info_mode, M, E, align_m, block_m, meta, status);
  cudaError_t ce = cudaGetLastError();
  return ce == cudaSuccess ? 0 : 1000 + (int)ce;
}

// The scale-layout transform the TS launcher runs before the GEMM (checked against torch in bench.py).
extern "C" int gk_scale_gather(const float* src, float* dst, int groups, int rows, int rows_pad, int cols, int group,
                               long src_bat, long src_row, long src_col, long dst_row, long dst_col,
                               cudaStream_t stream) {
  const long total = (long)rows_pad * cols;
  sm90_grouped_scale_gather<<<(unsigned)((total + 255) / 256), 256, 0, stream>>>(
      src, dst, groups, rows, rows_pad, cols, group, src_bat, src_row, src_col, dst_row, dst_col, rows);
  cudaError_t ce = cudaGetLastError();
  return ce == cudaSuccess ? 0 : 1000 + (int)ce;
}
#endif
