// Host launcher for the sm90 lightning-indexer kernel, built into a shared library for the benchmark (bench.py
// calls it with torch tensors' device pointers through ctypes, so gemmkit's kernel and the torch peer run on
// the same data in one process). Each instantiation is compiled with -DLAUNCH_NAME and the kernel's defines
// (MODE, HEADS, NQ, BLOCK_KV, STAGES); the tensor maps match packages/backend-cuda/src/ops/sm90/mqa-logits-sm90.ts.
#include <cuda.h>
#include <cuda_runtime.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define KERNEL_NAME CAT(kernel_, LAUNCH_NAME)
#include "../../packages/backend-cuda/kernels/sm90/mqa_logits_sm90.cu"

// dims/box innermost first; strides_bytes for dims 1..rank-1.
static int encode(TmaDesc* out, CUtensorMapDataType dt, int rank, const void* ptr, const cuuint64_t* dims,
                  const cuuint64_t* strides_bytes, const cuuint32_t* box, bool swizzle) {
  cuuint32_t estr[3] = {1, 1, 1};
  CUresult r = cuTensorMapEncodeTiled((CUtensorMap*)out, dt, rank, (void*)ptr, dims, strides_bytes, box, estr,
                                      CU_TENSOR_MAP_INTERLEAVE_NONE,
                                      swizzle ? CU_TENSOR_MAP_SWIZZLE_128B : CU_TENSOR_MAP_SWIZZLE_NONE,
                                      CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  return (int)r;
}

static int launch(const TmaDesc& mq, const TmaDesc& mw, const TmaDesc& mkv, const TmaDesc& mks, const int* idx0,
                  const int* idx1, long long s0, long long s1, int two_d, const int* table, long long table_rs,
                  int max_blocks, int num_blocks, const int* meta, int batch, int next_n, int width, float* out,
                  long long out_rs, int clean, unsigned* status, int grid, cudaStream_t stream) {
  static bool attr = false;
  if (!attr) {
    cudaError_t ce = cudaFuncSetAttribute(KERNEL_NAME, cudaFuncAttributeMaxDynamicSharedMemorySize, GK_SMEM_BYTES);
    if (ce != cudaSuccess) return 1000 + (int)ce;
    attr = true;
  }
  KERNEL_NAME<<<grid, NUM_THREADS, GK_SMEM_BYTES, stream>>>(mq, mw, mkv, mks, idx0, idx1, s0, s1, two_d, table,
                                                           table_rs, max_blocks, num_blocks, meta, batch, next_n,
                                                           width, out, out_rs, clean, status);
  cudaError_t ce = cudaGetLastError();
  return ce == cudaSuccess ? 0 : 1000 + (int)ce;
}

#if MODE == 0
// fp8PagedMqaLogits: q [B, NQ, H, 128] e4m3, kv [numBlocks, BLOCK_KV, 1, 132] u8, weights [B*NQ, H] f32,
// ctx [B] or [B, NQ] (element strides), table [B, maxBlocks], meta [grid + 1, 2], out [B*NQ, >= width].
extern "C" int CAT(gk_, LAUNCH_NAME)(const void* q, const void* kv, const float* w, const int* ctx, long long cs0,
                                    long long cs1, int two_d, const int* table, long long table_rs, int max_blocks,
                                    int num_blocks, const int* meta, int grid, int batch, int max_ctx, float* out,
                                    long long out_rs, int clean, unsigned* status, cudaStream_t stream) {
  TmaDesc mq, mw, mkv, mks;
  int e;
  const cuuint64_t page = (cuuint64_t)BLOCK_KV * (GK_D + 4);
  {
    cuuint64_t d[2] = {GK_D, (cuuint64_t)batch * NQ * HEADS}, st[1] = {GK_D};
    cuuint32_t b[2] = {GK_D, GK_N};
    if ((e = encode(&mq, CU_TENSOR_MAP_DATA_TYPE_UINT8, 2, q, d, st, b, true))) return e;
  }
  {
    cuuint64_t d[2] = {HEADS, (cuuint64_t)batch * NQ}, st[1] = {HEADS * 4};
    cuuint32_t b[2] = {HEADS, NQ};
    if ((e = encode(&mw, CU_TENSOR_MAP_DATA_TYPE_FLOAT32, 2, w, d, st, b, false))) return e;
  }
  {
    cuuint64_t d[3] = {GK_D, BLOCK_KV, (cuuint64_t)num_blocks}, st[2] = {GK_D, page};
    cuuint32_t b[3] = {GK_D, BLOCK_KV, 1};
    if ((e = encode(&mkv, CU_TENSOR_MAP_DATA_TYPE_UINT8, 3, kv, d, st, b, true))) return e;
  }
  {
    cuuint64_t d[2] = {BLOCK_KV, (cuuint64_t)num_blocks}, st[1] = {page};
    cuuint32_t b[2] = {BLOCK_KV, 1};
    if ((e = encode(&mks, CU_TENSOR_MAP_DATA_TYPE_FLOAT32, 2, (const char*)kv + BLOCK_KV * GK_D, d, st, b, false)))
      return e;
  }
  return launch(mq, mw, mkv, mks, ctx, nullptr, cs0, cs1, two_d, table, table_rs, max_blocks, num_blocks, meta,
                batch, NQ, max_ctx, out, out_rs, clean, status, grid, stream);
}
#else
// fp8MqaLogits: q [S, H, 128] e4m3, k [SKv, 128] e4m3, ks [SKv] f32, weights [S, H] f32, row ranges
// [start, end) in ks_start / ks_end, out [S, >= SKv]. Persistent over query blocks of NQ rows.
extern "C" int CAT(gk_, LAUNCH_NAME)(const void* q, const void* k, const float* kscale, const float* w,
                                    const int* ks_start, const int* ks_end, int seq, int seq_kv, float* out,
                                    long long out_rs, int clean, unsigned* status, int grid, cudaStream_t stream) {
  TmaDesc mq, mw, mkv, mks;
  int e;
  {
    cuuint64_t d[2] = {GK_D, (cuuint64_t)seq * HEADS}, st[1] = {GK_D};
    cuuint32_t b[2] = {GK_D, GK_N};
    if ((e = encode(&mq, CU_TENSOR_MAP_DATA_TYPE_UINT8, 2, q, d, st, b, true))) return e;
  }
  {
    cuuint64_t d[2] = {HEADS, (cuuint64_t)seq}, st[1] = {HEADS * 4};
    cuuint32_t b[2] = {HEADS, NQ};
    if ((e = encode(&mw, CU_TENSOR_MAP_DATA_TYPE_FLOAT32, 2, w, d, st, b, false))) return e;
  }
  {
    cuuint64_t d[2] = {GK_D, (cuuint64_t)seq_kv}, st[1] = {GK_D};
    cuuint32_t b[2] = {GK_D, TILE};
    if ((e = encode(&mkv, CU_TENSOR_MAP_DATA_TYPE_UINT8, 2, k, d, st, b, true))) return e;
  }
  {
    cuuint64_t d[2] = {(cuuint64_t)seq_kv, 1}, st[1] = {(cuuint64_t)seq_kv * 4 + 16};
    cuuint32_t b[2] = {TILE, 1};
    st[0] = ((cuuint64_t)seq_kv * 4 + 15) / 16 * 16;  // one row: any 16-byte multiple
    if ((e = encode(&mks, CU_TENSOR_MAP_DATA_TYPE_FLOAT32, 2, kscale, d, st, b, false))) return e;
  }
  const int nqb = (seq + NQ - 1) / NQ;
  if (grid > nqb) grid = nqb;
  if (grid < 1) return 0;
  return launch(mq, mw, mkv, mks, ks_start, ks_end, 0, 0, 0, nullptr, 0, 0, 0, nullptr, seq, NQ, seq_kv, out,
                out_rs, clean, status, grid, stream);
}
#endif

extern "C" int CAT(gk_info_, LAUNCH_NAME)(int* mode, int* heads, int* nq, int* block_kv, int* smem) {
  *mode = MODE;
  *heads = HEADS;
  *nq = NQ;
  *block_kv = BLOCK_KV;
  *smem = GK_SMEM_BYTES;
  return 0;
}
