// Host launcher for the sm90 FP8 GEMM, built into a shared library for the benchmark (bench.py calls it with
// torch tensors' device pointers through ctypes, so gemmkit's kernel and the torch peers run on the same data).
// Each instantiation of this file is compiled with -DBLOCK_M/-DBLOCK_N/-DOUT_KIND/-DLAUNCH_NAME.
#include <cuda.h>
#include <cuda_runtime.h>

#define STR2(x) #x
#define STR(x) STR2(x)
#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define KERNEL_NAME CAT(kernel_, LAUNCH_NAME)
#define SM90_NO_SCALE_GATHER
#ifndef KERNEL_SRC  // (an older copy of the kernel for A/B runs)
#define KERNEL_SRC "../../packages/backend-cuda/kernels/sm90/fp8_gemm_sm90.cu"
#endif
// The kernel's trailing arguments after split_k: the strided A-scale pointer and strides (null: the A scales
// come from the TMA map `ms`, as here). A GK_BASE build of an older kernel without them defines it empty.
#ifndef KERNEL_EXTRA_ARGS
#define KERNEL_EXTRA_ARGS , (const float*)nullptr, 0L, 0L, (long)kb, 1L
#endif
#include KERNEL_SRC
#ifndef EPI_SMEM_BYTES
#define EPI_SMEM_BYTES 0
#endif

static int encode(TmaDesc* out, CUtensorMapDataType dt, unsigned long long inner, unsigned long long outer,
                  unsigned long long pitch_bytes, unsigned box_inner, unsigned box_outer, bool swizzle,
                  const void* ptr) {
  cuuint64_t dims[2] = {inner, outer};
  cuuint64_t strides[1] = {pitch_bytes};
  cuuint32_t box[2] = {box_inner, box_outer};
  cuuint32_t estr[2] = {1, 1};
  // Resolved through the runtime, so the library needs no libcuda at link time (built on a host without a driver).
  typedef CUresult (*Encode)(CUtensorMap*, CUtensorMapDataType, cuuint32_t, void*, const cuuint64_t*,
                             const cuuint64_t*, const cuuint32_t*, const cuuint32_t*, CUtensorMapInterleave,
                             CUtensorMapSwizzle, CUtensorMapL2promotion, CUtensorMapFloatOOBfill);
  static Encode fn = nullptr;
  if (!fn) {
    cudaDriverEntryPointQueryResult q;
    if (cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", (void**)&fn, 12000, cudaEnableDefault, &q) != cudaSuccess || !fn)
      return -200;
  }
  CUresult r = fn((CUtensorMap*)out, dt, 2, (void*)ptr, dims, strides, box, estr,
                                      CU_TENSOR_MAP_INTERLEAVE_NONE,
                                      swizzle ? CU_TENSOR_MAP_SWIZZLE_128B : CU_TENSOR_MAP_SWIZZLE_NONE,
                                      CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  return (int)r;
}

static int stages_for() {
  const int per_stage = BLOCK_M * 128 + BLOCK_N * 128 + BLOCK_M * 4 + 16;  // + the B scales of the stage
  int s = (227 * 1024 - 2048 - 64 - EPI_SMEM_BYTES) / per_stage;
  return s > 8 ? 8 : s;
}

extern "C" int CAT(gk_, LAUNCH_NAME)(const void* a, const void* b, const float* sfa_mn, const float* sfb, void* out,
                                    const float* out_scale, float* ws, int* counters, int M, int N, int K,
                                    int split_k, int grid, cudaStream_t stream) {
  if (STAGES != stages_for()) return -100;
  TmaDesc ma, mb, ms;
  int mpad = (M + 3) / 4 * 4, kb = (K + 127) / 128;
  int e;
  if ((e = encode(&ma, CU_TENSOR_MAP_DATA_TYPE_UINT8, K, M, K, 128, BLOCK_M, true, a))) return e;
  if ((e = encode(&mb, CU_TENSOR_MAP_DATA_TYPE_UINT8, K, N, K, 128, BLOCK_N / CLUSTER, true, b))) return e;
  if ((e = encode(&ms, CU_TENSOR_MAP_DATA_TYPE_FLOAT32, mpad, kb, (unsigned long long)mpad * 4, BLOCK_M, 1, false, sfa_mn)))
    return e;
  size_t smem = (size_t)STAGES * (BLOCK_M * 128 + BLOCK_N * 128 + BLOCK_M * 4 + 16) + EPI_SMEM_BYTES + 2 * STAGES * 8 + 1024;
  static bool attr = false;
  if (!attr) {
    cudaError_t ce = cudaFuncSetAttribute(KERNEL_NAME, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem);
    if (ce != cudaSuccess) return 1000 + (int)ce;
    attr = true;
  }
  long ldd = N;
  cudaLaunchConfig_t cfg = {};
  cfg.gridDim = dim3((unsigned)(grid / CLUSTER * CLUSTER));
  cfg.blockDim = dim3(NUM_THREADS);
  cfg.dynamicSmemBytes = smem;
  cfg.stream = stream;
  cudaLaunchAttribute at[1];
  at[0].id = cudaLaunchAttributeClusterDimension;
  at[0].val.clusterDim.x = CLUSTER;
  at[0].val.clusterDim.y = 1;
  at[0].val.clusterDim.z = 1;
  cfg.attrs = at;
  cfg.numAttrs = 1;
  // A persistent grid must fit on the GPU at once: not every SM can host a cluster of 2 (GPCs have odd SM counts).
  static int max_clusters = -1;
  if (CLUSTER > 1 && max_clusters < 0) {
    cudaLaunchConfig_t q = cfg;
    q.gridDim = dim3(132 / CLUSTER * CLUSTER);
    if (cudaOccupancyMaxActiveClusters(&max_clusters, KERNEL_NAME, &q) != cudaSuccess || max_clusters <= 0)
      max_clusters = 132 / CLUSTER;
  }
  if (CLUSTER > 1 && (int)cfg.gridDim.x > max_clusters * CLUSTER) cfg.gridDim = dim3((unsigned)(max_clusters * CLUSTER));
  cudaError_t ce = cudaLaunchKernelEx(&cfg, KERNEL_NAME, ma, mb, ms, sfb, out, out_scale, ws, counters, M, N, K, ldd,
                                      split_k KERNEL_EXTRA_ARGS);
  if (ce == cudaSuccess) ce = cudaGetLastError();
  return ce == cudaSuccess ? 0 : 1000 + (int)ce;
}

extern "C" int CAT(gk_info_, LAUNCH_NAME)(int* bm, int* bn, int* stages, int* threads) {
  // threads < 0 is never returned; kept simple for ctypes.
  *bm = BLOCK_M;
  *bn = BLOCK_N;
  *stages = STAGES;
  *threads = NUM_THREADS;
  return 0;
}
