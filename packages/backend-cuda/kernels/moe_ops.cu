// Device MoE ops around the grouped GEMMs: top-k routing, the contiguous layout, the row gather into expert
// order and the SwiGLU activation fused with per-token FP8 quantization. (The weighted combine is
// gk_moe_unpermute in moe_permute.cu.) Every kernel that reads index data bounds-checks it, skips the bad
// entry and raises the status word; none reads or writes out of bounds.
#include "common/numeric.cuh"
#include "common/status.cuh"

#define GK_SCORING_SOFTMAX 0
#define GK_SCORING_SIGMOID 1

__device__ __forceinline__ bool gk_nonfinite(float v) { return (__float_as_uint(v) & 0x7fffffffu) >= 0x7f800000u; }

// One thread per token. Scores in f32; k selection sweeps, each taking the best (key, id) strictly after the
// previous pick in the order (key desc, id asc): ties go to the lower id and no per-token scratch is needed.
// Without bias the key is the logit itself (softmax/sigmoid are increasing), so every backend picks alike.
extern "C" __global__ void __launch_bounds__(128) gk_moe_topk(const void* logits, int in_type, int tokens, int experts,
                                                              int k, int scoring, int renormalize, const float* bias,
                                                              float scale, int num_groups, int topk_group,
                                                              int* ids, float* weights, unsigned* status) {
  const int t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= tokens) return;
  const long long row = static_cast<long long>(t) * experts;
  float mx = -3.402823466e38f;
  float sum = 0.f;
  for (int e = 0; e < experts; ++e) {
    const float v = gk_load_as(logits, row + e, in_type);
    // Non-finite inputs make the selection meaningless: flag them (E_RANGE naming moeTopk.logits at sync).
    if (gk_nonfinite(v) || (bias != nullptr && gk_nonfinite(bias[e]))) gk_raise(status, GK_STATUS_BAD_COUNT);
    mx = fmaxf(mx, v);
  }
  if (scoring == GK_SCORING_SOFTMAX)
    for (int e = 0; e < experts; ++e) sum += expf(gk_load_as(logits, row + e, in_type) - mx);
  auto score = [&](int e) {
    const float v = gk_load_as(logits, row + e, in_type);
    return scoring == GK_SCORING_SOFTMAX ? expf(v - mx) / sum : 1.f / (1.f + expf(-v));
  };
  auto key = [&](int e) { return bias != nullptr ? score(e) + bias[e] : gk_load_as(logits, row + e, in_type); };
  // Group-limited routing (num_groups <= 32): a bit per allowed group, the topk_group best by group score
  // (sum of the two best keys with bias, else the best key), lower group id on ties.
  unsigned allowed = 0xffffffffu;
  const int per = experts / num_groups;
  if (topk_group < num_groups) {
    float gs[32];
    for (int g = 0; g < num_groups; ++g) {
      float b1 = -3.402823466e38f, b2 = -3.402823466e38f;
      for (int i = 0; i < per; ++i) {
        const float v = key(g * per + i);
        if (v > b1) {
          b2 = b1;
          b1 = v;
        } else if (v > b2) {
          b2 = v;
        }
      }
      gs[g] = (bias != nullptr && per > 1) ? b1 + b2 : b1;
    }
    allowed = 0u;
    for (int g = 0; g < num_groups; ++g) {
      int rank = 0;
      for (int h = 0; h < num_groups; ++h) rank += (gs[h] > gs[g] || (gs[h] == gs[g] && h < g)) ? 1 : 0;
      if (rank < topk_group) allowed |= 1u << g;
    }
  }
  float pk = 0.f;
  int pid = -1;
  float picked = 0.f;
  for (int j = 0; j < k; ++j) {
    float bk = 0.f;
    int bid = -1;
    for (int e = 0; e < experts; ++e) {
      if (!((allowed >> (e / per)) & 1u)) continue;
      const float v = key(e);
      const bool after = pid < 0 || v < pk || (v == pk && e > pid);
      if (after && (bid < 0 || v > bk)) {
        bk = v;
        bid = e;
      }
    }
    if (bid < 0) bid = 0;  // only reachable with NaN keys, which raised the status above
    pk = bk;
    pid = bid;
    ids[static_cast<long long>(t) * k + j] = bid;
    picked += score(bid);
  }
  for (int j = 0; j < k; ++j) {
    const float s = score(ids[static_cast<long long>(t) * k + j]);
    weights[static_cast<long long>(t) * k + j] = (renormalize ? s / picked : s) * scale;
  }
}

// The whole contiguous layout in one launch of one block (deterministic): zero counts and maps, count with
// atomics, serial aligned scan by thread 0 (cursors start at each group's first row), then warp 0 walks the
// slots 32 at a time in flat order: __match_any_sync finds the lanes with the same expert, a lane's row is the
// cursor + the number of lower peers, and the highest peer advances the cursor. Cursors end as psum.
extern "C" __global__ void __launch_bounds__(1024) gk_moe_align_layout(const int* topk_ids, int slots, int k,
                                                                       int experts, int alignment, int rows,
                                                                       int* m_indices, int* token_of, int* row_of,
                                                                       int* psum, int* counts, int* num_rows,
                                                                       unsigned* status) {
  for (int e = threadIdx.x; e < experts; e += blockDim.x) counts[e] = 0;
  for (int r = threadIdx.x; r < rows; r += blockDim.x) {
    m_indices[r] = -1;
    token_of[r] = -1;
  }
  __syncthreads();
  for (int i = threadIdx.x; i < slots; i += blockDim.x) {
    const int e = topk_ids[i];
    if (e >= 0 && e < experts) atomicAdd(&counts[e], 1);
    else if (e != -1) gk_raise(status, GK_STATUS_BAD_EXPERT_ID);
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    long long start = 0;
    for (int e = 0; e < experts; ++e) {
      psum[e] = static_cast<int>(start);
      start = (start + counts[e] + alignment - 1) / alignment * alignment;
    }
    *num_rows = static_cast<int>(start);
  }
  __syncthreads();
  if (threadIdx.x >= 32) return;
  const unsigned lane = threadIdx.x;
  for (int base = 0; base < slots; base += 32) {
    const int i = base + static_cast<int>(lane);
    int e = i < slots ? topk_ids[i] : -1;
    if (e < -1 || e >= experts) e = -1;  // raised above; the slot is dropped
    const unsigned active = __ballot_sync(0xffffffffu, e >= 0);
    const unsigned peers = __match_any_sync(0xffffffffu, e) & active;
    int row = -1;
    if (e >= 0) {
      const int before = __popc(peers & ((1u << lane) - 1u));
      row = psum[e] + before;
      if (row < rows) {
        m_indices[row] = e;
        token_of[row] = i / k;
      }
    }
    __syncwarp();
    if (e >= 0 && (peers >> lane) == 1u) psum[e] += __popc(peers);  // highest peer advances the cursor
    __syncwarp();
    if (i < slots) row_of[i] = row;
  }
}

// Gather rows into expert order: out[r] = x[token_of[r]] (raw bytes), zero bytes on padding rows.
// grid = rows (y * 65535 + x), block = 128 threads over the row's bytes (as 4-byte words when aligned).
extern "C" __global__ void __launch_bounds__(128) gk_moe_gather(const uint8_t* x, int row_bytes, int tokens,
                                                                const int* token_of, int rows, uint8_t* out,
                                                                unsigned* status) {
  const long long r = static_cast<long long>(blockIdx.y) * 65535 + blockIdx.x;
  if (r >= rows) return;
  int t = token_of[r];
  if (t < -1 || t >= tokens) {
    if (threadIdx.x == 0) gk_raise(status, GK_STATUS_BAD_ROW_INDEX);
    t = -1;
  }
  uint8_t* dst = out + r * row_bytes;
  const uint8_t* src = t >= 0 ? x + static_cast<long long>(t) * row_bytes : nullptr;
  const bool words = (row_bytes % 4 == 0) && (reinterpret_cast<uintptr_t>(x) % 4 == 0) &&
                     (reinterpret_cast<uintptr_t>(out) % 4 == 0);
  if (words) {
    for (int w = threadIdx.x; w < row_bytes / 4; w += blockDim.x)
      reinterpret_cast<uint32_t*>(dst)[w] = src ? reinterpret_cast<const uint32_t*>(src)[w] : 0u;
  } else {
    for (int b = threadIdx.x; b < row_bytes; b += blockDim.x) dst[b] = src ? src[b] : 0;
  }
}

// Smallest e with fp_max * 2^e >= a (exact power-of-two arithmetic), clamped to the ue8m0 range.
__device__ __forceinline__ float gk_pow2_scale_over(float a, float fp_max) {
  int e = static_cast<int>(ceilf(log2f(a / fp_max)));
  e = max(-127, min(127, e));
  for (int i = 0; i < 4; ++i) {
    if (e > -127 && ldexpf(fp_max, e - 1) >= a) --e;
    if (e < 127 && ldexpf(fp_max, e) < a) ++e;
  }
  return ldexpf(1.f, e);
}

// SwiGLU + 1xG FP8 quantization: one 128-thread block per (group, row) (m_indices may be nullptr).
// y = silu(gate) * up in f32, recomputed
// for the codes (nothing stored in between); s = max(amax, eps) / fp_max (or its power-of-two ceiling).
extern "C" __global__ void __launch_bounds__(128) gk_silu_mul_quant_fp8(const void* x, int in_type, int m, int inter,
                                                                        int group, int out_type, int ue8m0,
                                                                        float eps, const int* m_indices,
                                                                        uint8_t* out, float* scale) {
  const int g = blockIdx.x;
  const long long r = static_cast<long long>(blockIdx.y) * 65535 + blockIdx.z;
  if (r >= m) return;
  const int groups = (inter + group - 1) / group;
  const int c0 = g * group;
  const int cols = min(group, inter - c0);
  const long long base = r * 2 * inter;
  // Padding rows (negative m_indices; the grouped GEMM never wrote them): zero codes and scale, x not read.
  // The whole block takes this branch together, so the barrier below is never split.
  if (m_indices != nullptr && m_indices[r] < 0) {
    if (threadIdx.x == 0) scale[r * groups + g] = 0.f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) out[r * inter + c0 + c] = 0;
    return;
  }
  auto act = [&](int c) {
    const float gate = gk_load_as(x, base + c0 + c, in_type);
    return gate / (1.f + expf(-gate)) * gk_load_as(x, base + inter + c0 + c, in_type);
  };
  float amax = 0.f;
  for (int c = threadIdx.x; c < cols; c += blockDim.x) amax = fmaxf(amax, fabsf(act(c)));
  __shared__ float red[4];
  for (int o = 16; o > 0; o >>= 1) amax = fmaxf(amax, __shfl_xor_sync(0xffffffffu, amax, o));
  if ((threadIdx.x & 31) == 0) red[threadIdx.x >> 5] = amax;
  __syncthreads();
  amax = fmaxf(fmaxf(red[0], red[1]), fmaxf(red[2], red[3]));
  const float fp_max = out_type == GK_T_E4M3 ? 448.f : 57344.f;
  const float a = fmaxf(amax, eps);
  const float s = ue8m0 ? gk_pow2_scale_over(a, fp_max) : a / fp_max;
  if (threadIdx.x == 0) scale[r * groups + g] = s;
  for (int c = threadIdx.x; c < cols; c += blockDim.x) {
    const float q = act(c) / s;
    out[r * inter + c0 + c] = out_type == GK_T_E4M3 ? gk_f32_to_e4m3(q) : gk_f32_to_e5m2(q);
  }
}
