// Host launcher for the sm90 FP4 GEMM, built into a shared library for the benchmark (bench.py calls it with
// torch tensors' device pointers through ctypes, so gemmkit's kernel and the torch peers run on the same data).
// Each instantiation is compiled with -DLAUNCH_NAME and the kernel's -DBM/-DBN/-DX_FP4/-DY_FP4/-DSWAP/-DMX.
#include <cuda.h>
#include <cuda_runtime.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define KERNEL_NAME CAT(kernel_, LAUNCH_NAME)
#define FP4_SM90_NO_SCALE_KERNEL
#include "../../packages/backend-cuda/kernels/sm90/fp4_gemm_sm90.cu"

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

// One operand's map: FP4 → u8 [rows, K/2] box [64 B, box_rows]; bf16 → [rows, K] box [64, box_rows], 128B swizzle.
static int operand_map(TmaDesc* m, bool fp4, const void* p, int rows, int K, int box_rows) {
  if (fp4) return encode(m, CU_TENSOR_MAP_DATA_TYPE_UINT8, K / 2, rows, K / 2, 64, box_rows, false, p);
  return encode(m, CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, K, rows, (unsigned long long)K * 2, 64, box_rows, true, p);
}

extern "C" int CAT(gk_, LAUNCH_NAME)(const void* x, const void* y, const void* xs, const void* ys,
                                    const float* alpha, void* out, float* ws, int* counters, int rows_x,
                                    int rows_y, int K, int split_k, int grid, cudaStream_t stream) {
  TmaDesc mx, my;
  int e;
  if ((e = operand_map(&mx, X_FP4, x, rows_x, K, BM))) return e;
  if ((e = operand_map(&my, Y_FP4, y, rows_y, K, BN))) return e;
  const int kpad4 = (K / VEC + 3) / 4;
  static bool attr = false;
  if (!attr) {
    cudaError_t ce = cudaFuncSetAttribute(KERNEL_NAME, cudaFuncAttributeMaxDynamicSharedMemorySize, SMEM_BYTES);
    if (ce != cudaSuccess) return 1000 + (int)ce;
    attr = true;
  }
  const long ldo = SWAP ? rows_x : rows_y;
  KERNEL_NAME<<<grid, NUM_THREADS, SMEM_BYTES, stream>>>(mx, my, (const unsigned char*)xs, (const unsigned char*)ys,
                                                         alpha, out, ws, counters, rows_x, rows_y, K, kpad4, ldo,
                                                         split_k);
  cudaError_t ce = cudaGetLastError();
  return ce == cudaSuccess ? 0 : 1000 + (int)ce;
}

extern "C" int CAT(gk_info_, LAUNCH_NAME)(int* bm, int* bn, int* stages, int* smem) {
  *bm = BM;
  *bn = BN;
  *stages = STAGES;
  *smem = SMEM_BYTES;
  return 0;
}
