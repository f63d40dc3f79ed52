// MoE token permutation: gather rows of x into expert-contiguous order and scatter-combine them back.
// permute:   out[dst_row[t, j]] = x[t]               for every token t and top-k slot j (dst_row -1 = dropped)
// unpermute: out[t] = sum_j w[t, j] * y[dst_row[t, j]] (f32 math, rounded once to out_type)
// Rows are `cols` elements of `elem_type`; every index is bounds-checked (GK_STATUS_BAD_ROW_INDEX).
#include "common/numeric.cuh"
#include "common/status.cuh"

// grid = (tokens * topk); block = 128 threads striding over the columns.
extern "C" __global__ void gk_moe_permute(const uint8_t* x, int elem_bytes, int tokens, int topk, int cols,
                                          long long x_rs, const int* dst_row, int out_rows, uint8_t* out,
                                          long long out_rs, unsigned* status) {
  const long long tj = blockIdx.x;
  const int t = static_cast<int>(tj / topk);
  if (t >= tokens) return;
  const int d = dst_row[tj];
  if (d == -1) return;
  if (d < 0 || d >= out_rows) {
    if (threadIdx.x == 0) gk_raise(status, GK_STATUS_BAD_ROW_INDEX);
    return;
  }
  const uint8_t* src = x + t * x_rs * elem_bytes;
  uint8_t* dst = out + d * out_rs * elem_bytes;
  for (long long c = threadIdx.x; c < static_cast<long long>(cols) * elem_bytes; c += blockDim.x) dst[c] = src[c];
}

// grid = (tokens); weights [tokens, topk] f32 (nullptr = 1).
extern "C" __global__ void gk_moe_unpermute(const void* y, int y_type, int y_rows, long long y_rs, const int* dst_row,
                                            const float* weights, int tokens, int topk, int cols, void* out,
                                            int out_type, long long out_rs, unsigned* status) {
  const int t = blockIdx.x;
  if (t >= tokens) return;
  for (int c = threadIdx.x; c < cols; c += blockDim.x) {
    float acc = 0.f;
    for (int j = 0; j < topk; ++j) {
      const int d = dst_row[static_cast<long long>(t) * topk + j];
      if (d == -1) continue;
      if (d < 0 || d >= y_rows) {
        if (c == threadIdx.x) gk_raise(status, GK_STATUS_BAD_ROW_INDEX);
        continue;
      }
      const float w = weights ? weights[static_cast<long long>(t) * topk + j] : 1.f;
      acc = fmaf(w, gk_load_as(y, d * y_rs + c, y_type), acc);
    }
    gk_store_as(out, t * out_rs + c, out_type, acc);
  }
}
