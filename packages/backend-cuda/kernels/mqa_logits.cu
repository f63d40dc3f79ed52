// Lightning indexer (DeepSeek-V3.2): fp8MqaLogits (non-paged), fp8PagedMqaLogits (paged KV) and the schedule
// of getPagedMqaLogitsMetadata. logit(i, j) = sum_h w[i, h] * relu(scale_j * <q[i, h, :], k_j>).
// One CTA per (query row, block of GK_IDX_BLOCK keys); one thread per key keeps its D fp8 key bytes in
// registers and sweeps the heads, reading the (decoded, f32) queries from shared memory as broadcasts.
// Index data (key ranges, context lengths, block tables) is bounds-checked: bad entries are skipped and flagged.
#include "common/numeric.cuh"
#include "common/status.cuh"

#define GK_IDX_BLOCK 128
#define GK_IDX_MAX_HD (64 * 128)  // heads x dim upper bound (H <= 64, D <= 128)

// Query row i's H x D fp8 values -> f32 in shared memory.
__device__ __forceinline__ void gk_load_query(float* qs, const uint8_t* q, int hd) {
  for (int x = threadIdx.x; x < hd; x += blockDim.x) qs[x] = gk_e4m3_to_f32(q[x]);
  __syncthreads();
}

// Logit of one key whose D bytes start at `kp` (4-byte aligned) with scale `ks`.
template <int D>
__device__ __forceinline__ float gk_key_logit(const float* qs, const float* w, int heads, const uint8_t* kp,
                                              float ks) {
  float kv[D];
#pragma unroll
  for (int d = 0; d < D; d += 4) {
    const uint32_t word = __ldg(reinterpret_cast<const uint32_t*>(kp + d));
#pragma unroll
    for (int e = 0; e < 4; ++e) kv[d + e] = gk_e4m3_to_f32((word >> (8 * e)) & 0xff);
  }
  float logit = 0.f;
  for (int h = 0; h < heads; ++h) {
    const float* qh = qs + h * D;
    float dot = 0.f;
#pragma unroll
    for (int d = 0; d < D; ++d) dot = fmaf(qh[d], kv[d], dot);
    logit = fmaf(w[h], fmaxf(dot * ks, 0.f), logit);
  }
  return logit;
}

// grid = (ceil(SKv / GK_IDX_BLOCK), S). out[i, j] for j in [start_i, end_i); -inf elsewhere when clean.
template <int D>
__device__ void gk_mqa_logits_body(const uint8_t* q, const uint8_t* k, const float* k_scale, const float* weights,
                                   const int* ks_start, const int* ks_end, float* out, int seq_kv, int heads,
                                   long long out_rs, int clean, unsigned* status) {
  __shared__ float qs[GK_IDX_MAX_HD];
  __shared__ float ws[64];
  const int i = blockIdx.y;
  gk_load_query(qs, q + static_cast<long long>(i) * heads * D, heads * D);
  for (int h = threadIdx.x; h < heads; h += blockDim.x) ws[h] = weights[static_cast<long long>(i) * heads + h];
  __syncthreads();
  int lo = ks_start[i], hi = ks_end[i];
  if (lo < 0 || hi < lo || hi > seq_kv) {
    if (threadIdx.x == 0 && blockIdx.x == 0) gk_raise(status, GK_STATUS_BAD_OFFSET);
    lo = lo < 0 ? 0 : (lo > seq_kv ? seq_kv : lo);
    hi = hi < lo ? lo : (hi > seq_kv ? seq_kv : hi);
  }
  const int j = blockIdx.x * GK_IDX_BLOCK + threadIdx.x;
  if (j >= seq_kv) return;
  float* o = out + static_cast<long long>(i) * out_rs + j;
  if (j >= lo && j < hi) *o = gk_key_logit<D>(qs, ws, heads, k + static_cast<long long>(j) * D, __ldg(k_scale + j));
  else if (clean) *o = -__int_as_float(0x7f800000);
}

#define GK_MQA_ENTRY(D)                                                                                         \
  extern "C" __global__ void __launch_bounds__(GK_IDX_BLOCK)                                                  \
      gk_mqa_logits_d##D(const uint8_t* q, const uint8_t* k, const float* k_scale, const float* weights,      \
                         const int* ks_start, const int* ks_end, float* out, int seq_kv, int heads,           \
                         long long out_rs, int clean, unsigned* status) {                                     \
    gk_mqa_logits_body<D>(q, k, k_scale, weights, ks_start, ks_end, out, seq_kv, heads, out_rs, clean, status); \
  }
GK_MQA_ENTRY(64)
GK_MQA_ENTRY(128)

// Paged: grid = (ceil(max_context_len / GK_IDX_BLOCK), B * next_n). Row i = b * next_n + t sees
// count = ctx[b] - next_n + t + 1 (1-D context_lens) or ctx[b, t] (2-D) positions; position j lives in page
// block_table[b, j / block_kv], slot j % block_kv: key bytes at page * block_kv * (D + 4) + slot * D, scale
// (f32) at page * block_kv * (D + 4) + block_kv * D + 4 * slot.
template <int D>
__device__ void gk_paged_body(const uint8_t* q, const uint8_t* kv, const float* weights, const int* ctx,
                              long long ctx_s0, long long ctx_s1, int two_d, const int* table, long long table_rs,
                              int max_blocks, int num_blocks, int block_kv, int next_n, int heads, int max_ctx,
                              float* out, long long out_rs, int clean, unsigned* status) {
  __shared__ float qs[GK_IDX_MAX_HD];
  __shared__ float ws[64];
  const int i = blockIdx.y, b = i / next_n, t = i % next_n;
  gk_load_query(qs, q + static_cast<long long>(i) * heads * D, heads * D);
  for (int h = threadIdx.x; h < heads; h += blockDim.x) ws[h] = weights[static_cast<long long>(i) * heads + h];
  __syncthreads();
  long long count = two_d ? ctx[b * ctx_s0 + t * ctx_s1] : static_cast<long long>(ctx[b * ctx_s0]) - next_n + t + 1;
  const bool report = threadIdx.x == 0 && blockIdx.x == 0;
  if (count > max_ctx || count > static_cast<long long>(max_blocks) * block_kv) {
    if (report) gk_raise(status, GK_STATUS_BAD_CONTEXT_LEN);
    count = max_ctx < static_cast<long long>(max_blocks) * block_kv ? max_ctx
                                                                    : static_cast<long long>(max_blocks) * block_kv;
  }
  if (count < 0) count = 0;  // an empty draft window (1-D lens shorter than next_n) sees nothing
  const int j = blockIdx.x * GK_IDX_BLOCK + threadIdx.x;
  if (j >= max_ctx) return;
  float* o = out + static_cast<long long>(i) * out_rs + j;
  if (j < count) {
    const int page = table[b * table_rs + j / block_kv];
    if (page < 0 || page >= num_blocks) {
      gk_raise(status, GK_STATUS_BAD_BLOCK_ID);
      if (clean) *o = -__int_as_float(0x7f800000);
      return;
    }
    const int slot = j % block_kv;
    const uint8_t* pg = kv + static_cast<long long>(page) * block_kv * (D + 4);
    const float ks = __ldg(reinterpret_cast<const float*>(pg + static_cast<long long>(block_kv) * D) + slot);
    *o = gk_key_logit<D>(qs, ws, heads, pg + static_cast<long long>(slot) * D, ks);
  } else if (clean) {
    *o = -__int_as_float(0x7f800000);
  }
}

#define GK_PAGED_ENTRY(D)                                                                                      \
  extern "C" __global__ void __launch_bounds__(GK_IDX_BLOCK) gk_paged_mqa_logits_d##D(                        \
      const uint8_t* q, const uint8_t* kv, const float* weights, const int* ctx, long long ctx_s0,            \
      long long ctx_s1, int two_d, const int* table, long long table_rs, int max_blocks, int num_blocks,      \
      int block_kv, int next_n, int heads, int max_ctx, float* out, long long out_rs, int clean,              \
      unsigned* status) {                                                                                    \
    gk_paged_body<D>(q, kv, weights, ctx, ctx_s0, ctx_s1, two_d, table, table_rs, max_blocks, num_blocks,     \
                     block_kv, next_n, heads, max_ctx, out, out_rs, clean, status);                          \
  }
GK_PAGED_ENTRY(64)
GK_PAGED_ENTRY(128)

// getPagedMqaLogitsMetadata: L[b] = ctx[b] (1-D) or max_t ctx[b, t] (2-D), negatives as 0;
// splits[b] = ceil(L[b] / split_kv); SM i starts at global split g(i) = i * (total / n) + min(i, total % n);
// out[i] = (b, s) with g(i) = sum_{c<b} splits[c] + s and s < splits[b] (empty sequences skipped);
// out[n] = (B, 0). One block; thread i handles SM rows i, i + blockDim, ...
extern "C" __global__ void gk_paged_mqa_metadata(const int* ctx, long long ctx_s0, long long ctx_s1, int batch,
                                                 int next_n, int two_d, int split_kv, int num_sms, int* out,
                                                 unsigned* status) {
  __shared__ long long total_s;
  auto splits = [&](int b) -> long long {
    long long l = 0;
    if (two_d) {
      for (int t = 0; t < next_n; ++t) {
        const long long v = ctx[b * ctx_s0 + t * ctx_s1];
        l = v > l ? v : l;
      }
    } else {
      l = ctx[b * ctx_s0];
    }
    if (l < 0) l = 0;
    return (l + split_kv - 1) / split_kv;
  };
  if (threadIdx.x == 0) {
    long long total = 0;
    for (int b = 0; b < batch; ++b) total += splits(b);
    total_s = total;
  }
  __syncthreads();
  const long long total = total_s;
  for (int i = threadIdx.x; i <= num_sms; i += blockDim.x) {
    if (i == num_sms) {
      out[2 * i] = batch;
      out[2 * i + 1] = 0;
      continue;
    }
    const long long g = i * (total / num_sms) + (i < total % num_sms ? i : total % num_sms);
    long long acc = 0;
    int b = 0;
    long long s = 0;
    for (; b < batch; ++b) {
      const long long sp = splits(b);
      if (g < acc + sp) {
        s = g - acc;
        break;
      }
      acc += sp;
    }
    out[2 * i] = b;
    out[2 * i + 1] = static_cast<int>(b < batch ? s : 0);
  }
  (void)status;
}
