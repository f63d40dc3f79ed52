// The portable tiled tensor-core GEMM shared by every GEMM family (gemm_half.cu, gemm_fp8.cu, gemm_fp4.cu,
// gemm_moe.cu). out[row, col] = epilogue( sum_k A[row, k] * B[col, k] ), A and B both K-indexed ("NT").
//
// Compile-time constants (-D): GK_TA, GK_TB (GK_T_* storage types of A and B), GK_MMA (GK_MMA_*), GK_CFG
// (tile shape, below), GK_SCALE (below). Everything else (problem mapping, output type, strides, scale
// layout) is runtime, in GkGemmParams, so a handful of instantiations cover every op.
//
// Mainloop: shared-memory tiles of BM (A) + BN (B) rows x 64 bytes (32 half / 64 fp8 elements of K), two
// stages. K-contiguous, 16-byte aligned, in-range chunks go global->shared with cp.async; every other chunk
// (edges, strided/MN-major operands, fp8->bf16 and e2m1->bf16 conversion) is fetched into registers before
// the current stage's MMAs and written to shared memory after them, so both paths overlap loads with math.
// Every element load is predicated on row < rows, col < n and k in [k_lo, k_hi): any M, N, K works.
#pragma once
#include <stdint.h>
#include "gemm_params.cuh"
#include "mma.cuh"
#include "numeric.cuh"
#include "status.cuh"

// GK_SCALE: 0 none; 1 scales constant along K, applied once in the epilogue (per-tensor / per-row / per-col);
// 2 block scales per 128-wide K block with promotion (each 128-K block accumulates in a fresh f32 fragment,
// then acc += partial * sa(row, kb) * sb(col, kb)); 3 fine-grained fp4 block scales multiplied in while
// converting e2m1 -> bf16/f16 in shared memory (exact: e2m1 x e4m3 has <= 5 significant bits).
#define GK_SCALE_NONE 0
#define GK_SCALE_EPILOGUE 1
#define GK_SCALE_PROMOTE128 2
#define GK_SCALE_INLINE 3

// Tile configurations (GK_CFG). Mirrored in src/ops/gemm-config.ts.
template <int CFG>
struct GkTile;
template <>
struct GkTile<0> {  // large: 128 x 128, 8 warps of 64 x 32
  static constexpr int BM = 128, BN = 128, WM = 64, WN = 32;
};
template <>
struct GkTile<1> {  // medium: 64 x 64, 4 warps of 32 x 32
  static constexpr int BM = 64, BN = 64, WM = 32, WN = 32;
};
template <>
struct GkTile<2> {  // small M (decode, tgv): 16 x 128, 4 warps of 16 x 32
  static constexpr int BM = 16, BN = 128, WM = 16, WN = 32;
};
template <>
struct GkTile<3> {  // block-scaled (promotion doubles the accumulators): 128 x 64, 8 warps of 32 x 32
  static constexpr int BM = 128, BN = 64, WM = 32, WN = 32;
};

namespace gk {

constexpr int kRowBytes = 80;  // 64 data bytes + 16 pad: fragment loads hit 32 distinct banks
constexpr int kPromoteK = 128;

__device__ __forceinline__ long long index_at(const void* p, long long i, int is64) {
  return is64 ? static_cast<long long>(__ldg(static_cast<const long long*>(p) + i))
              : static_cast<long long>(__ldg(static_cast<const int*>(p) + i));
}

// Byte size of a stored element (e2m1x2 addresses bytes; k/2 is applied separately).
template <int T>
__host__ __device__ constexpr int elem_bytes() {
  return (T == GK_T_F16 || T == GK_T_BF16) ? 2 : (T == GK_T_F32 ? 4 : 1);
}
template <int MMA>
__host__ __device__ constexpr int mma_bytes() {
  return MMA == GK_MMA_FP8 ? 1 : 2;
}

// Scale element index for (row-or-col, k) with block sizes (g_mn, g_k), or the 128x4 swizzled fp4 layout.
__device__ __forceinline__ long long scale_index(long long mn, long long k, int g_mn, int g_k, long long s_mn,
                                                 long long s_k, int swz, int kpad) {
  const long long mb = mn / g_mn, kb = k / g_k;
  if (swz) {
    return ((mb / 128) * (kpad / 4) + kb / 4) * 512 + (mb % 32) * 16 + ((mb % 128) / 32) * 4 + (kb % 4);
  }
  return mb * s_mn + kb * s_k;
}

__device__ __forceinline__ uint32_t pack_half2(int mma, float x, float y) {
  const uint32_t lo = mma == GK_MMA_BF16 ? gk_f32_to_bf16_bits(x) : gk_f32_to_f16_bits(x);
  const uint32_t hi = mma == GK_MMA_BF16 ? gk_f32_to_bf16_bits(y) : gk_f32_to_f16_bits(y);
  return lo | (hi << 16);
}

// One operand (A or B) of the mainloop, as seen by one thread: the thread owns CH 16-byte chunks per stage
// (chunk c = threadIdx.x + i * THREADS -> tile row c / 4, 16-byte column c % 4). A chunk's row is fixed for the
// whole K loop, so its row pointer and scale-row offset are computed once.
template <int T, int MMA, int SCALE, int CH, int ROWS, int THREADS>
struct Operand {
  static constexpr bool kDirect = (T == GK_T_F16 && MMA == GK_MMA_F16) ||
                                  (T == GK_T_BF16 && MMA == GK_MMA_BF16) ||
                                  ((T == GK_T_E4M3 || T == GK_T_E5M2) && MMA == GK_MMA_FP8);
  static constexpr int kEpc = 16 / mma_bytes<MMA>();  // K elements per 16-byte chunk
  static constexpr int kEb = elem_bytes<T>();

  const uint8_t* rowp[CH];  // (row, k = 0) of each chunk; nullptr: row out of range (zero-filled)
  int s_row[CH];            // GK_SCALE_INLINE: row part of the scale offset
  long long ks;             // k stride in elements (e2m1x2: k is always packed-contiguous)
  const void* scale;
  int s_g, s_enc, s_swz, s_ks;

  __device__ __forceinline__ void setup(const uint8_t* base, long long rs, long long ks_, int rows,
                                        const void* scale_, long long row0, long long s_rs, long long s_ks_,
                                        int s_g_, int s_enc_, int s_swz_, int s_kpad) {
    ks = ks_;
    scale = scale_;
    s_g = s_g_ > 0 ? s_g_ : 1;
    s_enc = s_enc_;
    s_swz = s_swz_;
    s_ks = static_cast<int>(s_ks_);
#pragma unroll
    for (int i = 0; i < CH; ++i) {
      const int c = threadIdx.x + i * THREADS;
      const int r = c >> 2;
      rowp[i] = (c < ROWS * 4 && r < rows) ? base + r * rs * kEb : nullptr;
      const long long mb = row0 + r;
      s_row[i] = s_swz_ ? static_cast<int>((mb / 128) * (s_kpad / 4) * 512 + (mb % 32) * 16 + ((mb % 128) / 32) * 4)
                        : static_cast<int>(mb * s_rs);
    }
  }

  // Fetch chunk i of stage `kt` with cp.async straight into smem (returns true) or into `reg`.
  __device__ __forceinline__ bool fetch(int i, uint8_t* smem, int kt_k0, int k_lo, int k_hi, uint4& reg) const {
    const int q = (threadIdx.x + i * THREADS) & 3;
    const int k0 = kt_k0 + q * kEpc;
    const uint8_t* rp = rowp[i];
    const bool full = rp != nullptr && k0 >= k_lo && k0 + kEpc <= k_hi;
    if constexpr (kDirect) {
      if (full && ks == 1) {
        const uint8_t* src = rp + static_cast<long long>(k0) * kEb;
        if ((reinterpret_cast<uintptr_t>(src) & 15) == 0) {
          gk_cp_async16(smem, src);
          return true;
        }
      }
      // Slow path (edges, strided K): a rolled loop keeps register pressure off the hot MMA loop.
      unsigned long long lo = 0, hi = 0;
      if (rp != nullptr) {
        const long long step = ks * kEb;
        const uint8_t* src = rp + static_cast<long long>(k0) * step;
#pragma unroll 1
        for (int e = 0; e < kEpc; ++e) {
          const int k = k0 + e;
          if (k >= k_lo && k < k_hi) {
            unsigned long long v;
            if constexpr (kEb == 2) v = __ldg(reinterpret_cast<const unsigned short*>(src + e * step));
            else v = __ldg(src + e * step);
            const int bit = e * kEb * 8;
            if (bit < 64) lo |= v << bit;
            else hi |= v << (bit - 64);
          }
        }
      }
      reg = make_uint4(static_cast<uint32_t>(lo), static_cast<uint32_t>(lo >> 32), static_cast<uint32_t>(hi),
                       static_cast<uint32_t>(hi >> 32));
      return false;
    } else {
      // Conversion to the 16-bit mma type: 8 elements per chunk.
      float v[8];
#pragma unroll
      for (int e = 0; e < 8; ++e) v[e] = 0.f;
      if (rp != nullptr) {
        if constexpr (T == GK_T_E2M1) {
          // e2m1x2: byte k/2 holds k (low nibble) and k+1 (high nibble).
          if (full && ((reinterpret_cast<uintptr_t>(rp + k0 / 2)) & 3) == 0) {
            const uint32_t wd = __ldg(reinterpret_cast<const uint32_t*>(rp + k0 / 2));
#pragma unroll
            for (int e = 0; e < 8; ++e) v[e] = gk_e2m1_to_f32((wd >> (4 * e)) & 15u);
          } else {
#pragma unroll
            for (int e = 0; e < 8; ++e) {
              const int k = k0 + e;
              if (k >= k_lo && k < k_hi) {
                const uint8_t byte = __ldg(rp + k / 2);
                v[e] = gk_e2m1_to_f32((k & 1) ? (byte >> 4) : (byte & 15));
              }
            }
          }
        } else {
          const long long step = ks * kEb;
          const uint8_t* src = rp + static_cast<long long>(k0) * step;
          if (kEb == 1 && full && ks == 1 && (reinterpret_cast<uintptr_t>(src) & 7) == 0) {
            const uint2 wd = __ldg(reinterpret_cast<const uint2*>(src));
#pragma unroll
            for (int e = 0; e < 8; ++e) {
              const uint8_t byte = ((e < 4 ? wd.x : wd.y) >> (8 * (e & 3))) & 0xff;
              v[e] = T == GK_T_E4M3 ? gk_e4m3_to_f32(byte) : gk_e5m2_to_f32(byte);
            }
          } else {
#pragma unroll
            for (int e = 0; e < 8; ++e) {
              const int k = k0 + e;
              if (k >= k_lo && k < k_hi) v[e] = gk_load_f32<T>(src, static_cast<long long>(e) * ks);
            }
          }
        }
        if constexpr (SCALE == GK_SCALE_INLINE) {
          if (scale != nullptr && k0 < k_hi && k0 + 8 > k_lo) {
            // A chunk of 8 never straddles a scale block (block sizes are multiples of 8).
            const int kb = (k0 < k_lo ? k_lo : k0) / s_g;
            const int koff = s_swz ? (kb / 4) * 512 + (kb % 4) : kb * s_ks;
            const float s = gk_scale_to_f32(scale, s_row[i] + koff, s_enc);
#pragma unroll
            for (int e = 0; e < 8; ++e) v[e] *= s;
          }
        }
      }
      reg.x = pack_half2(MMA, v[0], v[1]);
      reg.y = pack_half2(MMA, v[2], v[3]);
      reg.z = pack_half2(MMA, v[4], v[5]);
      reg.w = pack_half2(MMA, v[6], v[7]);
      return false;
    }
  }
};

}  // namespace gk

template <int TA, int TB, int MMA, int CFG, int SCALE>
struct GkGemm {
  using Tile = GkTile<CFG>;
  static constexpr int BM = Tile::BM, BN = Tile::BN, WM = Tile::WM, WN = Tile::WN;
  static constexpr int WARPS_M = BM / WM, WARPS_N = BN / WN;
  static constexpr int THREADS = WARPS_M * WARPS_N * 32;
  static constexpr int FM = WM / 16, FN = WN / 8;
  static constexpr int KT = 64 / gk::mma_bytes<MMA>();  // K elements per stage
  static constexpr int STAGE_BYTES = (BM + BN) * gk::kRowBytes;
  static constexpr int CH_A = (BM * 4 + THREADS - 1) / THREADS;  // 16-byte chunks per thread
  static constexpr int CH_B = (BN * 4 + THREADS - 1) / THREADS;
  static constexpr bool PROMOTE = SCALE == GK_SCALE_PROMOTE128;
  static_assert(!PROMOTE || gk::kPromoteK % KT == 0, "promotion block must be whole stages");
  static_assert(SCALE != GK_SCALE_INLINE || MMA != GK_MMA_FP8, "inline scales need a 16-bit mma type");

  using OpA = gk::Operand<TA, MMA, SCALE, CH_A, BM, THREADS>;
  using OpB = gk::Operand<TB, MMA, SCALE, CH_B, BN, THREADS>;

  struct Smem {
    alignas(16) uint8_t stage[2][STAGE_BYTES];
    int row_ok[BM];
    int group;
    long long rows_end;
  };

  // Fetch stage `kt` of both operands; chunks that were not cp.async'd are left in regs (bit set in mask).
  static __device__ __forceinline__ unsigned fetch(uint8_t* st, const OpA& A, const OpB& B, int kt, int k_lo,
                                                   int k_hi, uint4 (&ra)[CH_A], uint4 (&rb)[CH_B]) {
    unsigned pending = 0;
#pragma unroll
    for (int i = 0; i < CH_A; ++i) {
      const int c = threadIdx.x + i * THREADS;
      if (c < BM * 4 && !A.fetch(i, st + (c >> 2) * gk::kRowBytes + (c & 3) * 16, kt * KT, k_lo, k_hi, ra[i]))
        pending |= 1u << i;
    }
#pragma unroll
    for (int i = 0; i < CH_B; ++i) {
      const int c = threadIdx.x + i * THREADS;
      if (c < BN * 4 &&
          !B.fetch(i, st + (BM + (c >> 2)) * gk::kRowBytes + (c & 3) * 16, kt * KT, k_lo, k_hi, rb[i]))
        pending |= 1u << (16 + i);
    }
    return pending;
  }
  static __device__ __forceinline__ void store(uint8_t* st, unsigned pending, const uint4 (&ra)[CH_A],
                                               const uint4 (&rb)[CH_B]) {
#pragma unroll
    for (int i = 0; i < CH_A; ++i) {
      const int c = threadIdx.x + i * THREADS;
      if (pending & (1u << i))
        *reinterpret_cast<uint4*>(st + (c >> 2) * gk::kRowBytes + (c & 3) * 16) = ra[i];
    }
#pragma unroll
    for (int i = 0; i < CH_B; ++i) {
      const int c = threadIdx.x + i * THREADS;
      if (pending & (1u << (16 + i)))
        *reinterpret_cast<uint4*>(st + (BM + (c >> 2)) * gk::kRowBytes + (c & 3) * 16) = rb[i];
    }
  }

  static __device__ __forceinline__ void mma_stage(const uint8_t* st, int wm, int wn, float (&d)[FM][FN][4]) {
    const int lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
    const uint32_t* As = reinterpret_cast<const uint32_t*>(st);
    const uint32_t* Bs = reinterpret_cast<const uint32_t*>(st + BM * gk::kRowBytes);
    constexpr int W = gk::kRowBytes / 4;
#pragma unroll
    for (int ks = 0; ks < 2; ++ks) {
      uint32_t a[FM][4], b[FN][2];
#pragma unroll
      for (int i = 0; i < FM; ++i) {
        const int r = wm * WM + i * 16 + g;
        a[i][0] = As[r * W + ks * 8 + t];
        a[i][1] = As[(r + 8) * W + ks * 8 + t];
        a[i][2] = As[r * W + ks * 8 + t + 4];
        a[i][3] = As[(r + 8) * W + ks * 8 + t + 4];
      }
#pragma unroll
      for (int j = 0; j < FN; ++j) {
        const int n = wn * WN + j * 8 + g;
        b[j][0] = Bs[n * W + ks * 8 + t];
        b[j][1] = Bs[n * W + ks * 8 + t + 4];
      }
#pragma unroll
      for (int i = 0; i < FM; ++i)
#pragma unroll
        for (int j = 0; j < FN; ++j) gk_mma<MMA, TA, TB>(d[i][j], a[i], b[j]);
    }
  }

  // Resolve this CTA's sub-problem. Returns false when the CTA has nothing to do.
  struct Problem {
    long long za, zb, zo;          // batch index of A, B (and sb), out (and c, sa batch = za)
    long long rows_begin, rows_end;  // rows of A / out this CTA may touch (A-row numbering)
    long long k_lo, k_hi;
    int group;
  };

  static __device__ bool resolve(const GkGemmParams& p, Smem& sm, unsigned* status, Problem& pr) {
    const int z = blockIdx.z;
    pr.za = pr.zb = pr.zo = z;
    pr.k_lo = 0;
    pr.k_hi = p.k;
    pr.group = z;
    pr.rows_begin = 0;
    pr.rows_end = p.m;
    switch (p.map) {
      case GK_MAP_DENSE:
        return true;
      case GK_MAP_MASKED: {
        long long mm = gk::index_at(p.index, z, 0);
        if (mm < 0 || mm > p.m) {
          if (threadIdx.x == 0) gk_raise(status, GK_STATUS_BAD_COUNT);
          mm = mm < 0 ? 0 : p.m;
        }
        pr.rows_end = mm;
        return true;
      }
      case GK_MAP_RAGGED_K: {
        long long start = 0, cnt = 0;
        bool bad = false;
        for (int j = 0; j <= z; ++j) {
          long long c = gk::index_at(p.index, j, p.index_i64);
          if (c < 0) {
            bad = true;
            c = 0;
          }
          if (j < z) start += c;
          else cnt = c;
        }
        if (start > p.k) {
          bad = true;
          start = p.k;
        }
        if (start + cnt > p.k) {
          bad = true;
          cnt = p.k - start;
        }
        if (bad && threadIdx.x == 0 && blockIdx.x == 0 && blockIdx.y == 0) gk_raise(status, GK_STATUS_BAD_COUNT);
        pr.za = pr.zb = 0;
        pr.k_lo = start;
        pr.k_hi = start + cnt;
        return true;
      }
      case GK_MAP_SEGMENT:
      case GK_MAP_SEGMENT_LENS: {
        long long lo, hi;
        bool bad = false;
        if (p.map == GK_MAP_SEGMENT) {
          lo = gk::index_at(p.index, z, p.index_i64);
          hi = gk::index_at(p.index, z + 1, p.index_i64);
        } else {
          lo = 0;
          for (int j = 0; j < z; ++j) {
            const long long l = gk::index_at(p.index, j, p.index_i64);
            bad |= l < 0;
            lo += l;
          }
          hi = lo + gk::index_at(p.index, z, p.index_i64);
        }
        if (bad || lo < 0 || hi < lo || hi > p.m) {
          if (threadIdx.x == 0 && blockIdx.x == 0 && blockIdx.y == 0) gk_raise(status, GK_STATUS_BAD_OFFSET);
          return false;
        }
        long long w = p.index2 ? gk::index_at(p.index2, z, p.index_i64) : z;
        if (w < 0 || w >= p.num_groups) {
          if (threadIdx.x == 0 && blockIdx.x == 0 && blockIdx.y == 0)
            gk_raise(status, GK_STATUS_BAD_WEIGHT_INDEX);
          return false;
        }
        pr.za = pr.zo = 0;
        pr.zb = w;
        pr.rows_begin = lo;
        pr.rows_end = hi;
        return true;
      }
      default:
        break;
    }
    // Ragged-M (contiguous) layouts: this CTA owns rows [m0, m0 + BM) of the packed [m, k] operand.
    const long long m0 = static_cast<long long>(blockIdx.y) * BM;
    pr.za = pr.zo = 0;
    if (threadIdx.x == 0) {
      int g = -1;
      long long gend = 0;
      const bool report = blockIdx.x == 0;  // one column of CTAs reports, the rest only skip
      if (p.map == GK_MAP_RAGGED_M_TOKEN) {
        for (long long r = m0; r < m0 + BM && r < p.m; ++r) {
          const long long id = gk::index_at(p.index, r, 0);
          if (id < -1 || id >= p.num_groups) {
            if (report) gk_raise(status, GK_STATUS_BAD_EXPERT_ID);
          } else if (id >= 0 && g < 0) {
            g = static_cast<int>(id);
          } else if (id >= 0 && id != g) {
            if (report) gk_raise(status, GK_STATUS_MISALIGNED_GROUP);
          }
        }
        gend = p.m;
      } else {
        // psum / count: walk the groups until the one whose padded span holds m0.
        long long start = 0, prev_end = 0;
        const long long al = p.align_m > 0 ? p.align_m : 1;
        for (int j = 0; j < p.num_groups; ++j) {
          long long v = gk::index_at(p.index, j, p.index_i64);
          long long end;
          if (p.map == GK_MAP_RAGGED_M_PSUM) {
            start = (prev_end + al - 1) / al * al;
            end = v;
            if (end < prev_end || end > p.m) {
              if (report) gk_raise(status, GK_STATUS_BAD_OFFSET);
              break;
            }
            prev_end = end;
          } else {
            if (v < 0 || start + v > p.m) {
              if (report) gk_raise(status, GK_STATUS_BAD_COUNT);
              break;
            }
            end = start + v;
          }
          if (m0 >= start && m0 < end) {
            g = j;
            gend = end;
            break;
          }
          if (p.map == GK_MAP_RAGGED_M_COUNT) start = start + (v + al - 1) / al * al;
          if (start > m0) break;  // m0 lies in padding
        }
        // A tile never spans two groups: the launcher picks BM dividing align_m.
      }
      sm.group = g;
      sm.rows_end = g < 0 ? m0 : (gend < m0 + BM ? gend : m0 + BM);
    }
    __syncthreads();
    pr.group = sm.group;
    if (pr.group < 0) return false;
    pr.zb = pr.group;
    pr.rows_begin = m0;
    pr.rows_end = sm.rows_end;
    return true;
  }

  static __device__ void run(const GkGemmParams& p, unsigned* status) {
    __shared__ Smem sm;
    Problem pr;
    if (!resolve(p, sm, status, pr)) return;
    const bool ragged_m = p.map == GK_MAP_RAGGED_M_TOKEN || p.map == GK_MAP_RAGGED_M_PSUM ||
                          p.map == GK_MAP_RAGGED_M_COUNT;
    const long long n0 = static_cast<long long>(blockIdx.x) * BN;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
    const int wm = warp / WARPS_N, wn = warp % WARPS_N;

    // Ragged-M CTAs own exactly one tile; the others stride over row tiles of their sub-problem.
    const long long first = ragged_m ? pr.rows_begin : pr.rows_begin + static_cast<long long>(blockIdx.y) * BM;
    const long long step = ragged_m ? (1LL << 62) : static_cast<long long>(gridDim.y) * BM;
    for (long long m0 = first; m0 < pr.rows_end; m0 += step) {
      const int rows = static_cast<int>((pr.rows_end - m0) < BM ? (pr.rows_end - m0) : BM);
      __syncthreads();  // the previous tile's epilogue and MMAs are done with shared memory
      // Per-row store mask (ragged per-token: the row's expert must be this tile's group).
      for (int r = threadIdx.x; r < BM; r += THREADS) {
        int ok = r < rows;
        if (ok && p.map == GK_MAP_RAGGED_M_TOKEN) ok = gk::index_at(p.index, m0 + r, 0) == pr.group;
        sm.row_ok[r] = ok;
      }
      __syncthreads();

      OpA A;
      A.setup(static_cast<const uint8_t*>(p.a) + (pr.za * p.a_bs + m0 * p.a_rs) * gk::elem_bytes<TA>(), p.a_rs,
              p.a_ks, rows,
              p.sa ? static_cast<const uint8_t*>(p.sa) + pr.za * p.sa_bs * (p.sa_enc == GK_ENC_F32 ? 4 : 1)
                   : nullptr,
              m0, p.sa_ms, p.sa_ks, p.sa_gk, p.sa_enc, p.sa_swz, p.sa_kpad);
      OpB B;
      B.setup(static_cast<const uint8_t*>(p.b) + (pr.zb * p.b_bs + n0 * p.b_rs) * gk::elem_bytes<TB>(), p.b_rs,
              p.b_ks, static_cast<int>((p.n - n0) < BN ? (p.n - n0) : BN),
              p.sb ? static_cast<const uint8_t*>(p.sb) + pr.zb * p.sb_bs * (p.sb_enc == GK_ENC_F32 ? 4 : 1)
                   : nullptr,
              n0, p.sb_ns, p.sb_ks, p.sb_gk, p.sb_enc, p.sb_swz, p.sb_kpad);

      float acc[FM][FN][4];
      float part[PROMOTE ? FM : 1][PROMOTE ? FN : 1][4];
#pragma unroll
      for (int i = 0; i < FM; ++i)
#pragma unroll
        for (int j = 0; j < FN; ++j)
#pragma unroll
          for (int e = 0; e < 4; ++e) acc[i][j][e] = 0.f;
      if constexpr (PROMOTE) {
#pragma unroll
        for (int i = 0; i < FM; ++i)
#pragma unroll
          for (int j = 0; j < FN; ++j)
#pragma unroll
            for (int e = 0; e < 4; ++e) part[i][j][e] = 0.f;
      }

      // Stages are aligned to the global K grid so 128-K promotion blocks match scale blocks for any k_lo.
      const int k_lo = static_cast<int>(pr.k_lo), k_hi = static_cast<int>(pr.k_hi);
      const int kt0 = k_lo / KT;
      const int kt1 = k_hi > k_lo ? (k_hi + KT - 1) / KT : kt0;
      uint4 ra[CH_A], rb[CH_B];
      if (kt0 < kt1) {
        const unsigned pend = fetch(sm.stage[0], A, B, kt0, k_lo, k_hi, ra, rb);
        gk_cp_async_commit();
        store(sm.stage[0], pend, ra, rb);
        gk_cp_async_wait<0>();
        __syncthreads();
      }
      for (int kt = kt0; kt < kt1; ++kt) {
        const int s = (kt - kt0) & 1;
        unsigned pend = 0;
        if (kt + 1 < kt1) pend = fetch(sm.stage[s ^ 1], A, B, kt + 1, k_lo, k_hi, ra, rb);
        gk_cp_async_commit();
        if constexpr (PROMOTE) {
          mma_stage(sm.stage[s], wm, wn, part);
          if (((kt + 1) * KT) % gk::kPromoteK == 0 || kt + 1 == kt1)
            promote(p, pr, m0, n0, rows, (kt * KT) / gk::kPromoteK, wm, wn, g, t, acc, part);
        } else {
          mma_stage(sm.stage[s], wm, wn, acc);
        }
        if (kt + 1 < kt1) store(sm.stage[s ^ 1], pend, ra, rb);
        gk_cp_async_wait<0>();
        __syncthreads();
      }
      epilogue(p, pr, sm, m0, n0, rows, wm, wn, g, t, acc);

      if (p.map == GK_MAP_MASKED && p.signal != nullptr) {
        // Overlap signal: every thread's stores are made visible device-wide, then one release increment
        // per 64-row block of this tile (the consumer waits for ceil(n / BN) increments).
        __threadfence();
        __syncthreads();
        if (threadIdx.x == 0) {
          const long long blocks_per_expert = (p.m + 63) / 64;
          for (long long r = m0; r < m0 + rows; r += 64) {
            int* sig = p.signal + pr.zo * blocks_per_expert + r / 64;
            asm volatile("red.release.gpu.global.add.s32 [%0], 1;\n" ::"l"(sig) : "memory");
          }
        }
      }
    }
  }

  // Scale of (row-or-col mn, k) for promotion / epilogue scales. Index math is 32-bit: scale tensors are small.
  static __device__ __forceinline__ float scale_at(const void* s, long long batch_off, int mn, int k, int g_mn,
                                                   int g_k, int s_mn, int s_k, int enc, int limit_mn) {
    if (s == nullptr) return 1.f;
    const int mnc = mn < limit_mn ? mn : limit_mn - 1;  // clamp edge rows: never read out of bounds
    return gk_scale_to_f32(s, batch_off + (mnc / g_mn) * s_mn + (k / g_k) * s_k, enc);
  }

  static __device__ __forceinline__ void promote(const GkGemmParams& p, const Problem& pr, long long m0, long long n0,
                                                 int rows, int kb, int wm, int wn, int g, int t,
                                                 float (&acc)[FM][FN][4], float (&part)[FM][FN][4]) {
    const int k = kb * gk::kPromoteK;
    const int mrow = static_cast<int>(m0) + wm * WM + g, ncol = static_cast<int>(n0) + wn * WN + 2 * t;
    const int mlim = static_cast<int>(m0) + (rows > 0 ? rows : 1);
    const long long sa_off = pr.za * p.sa_bs, sb_off = pr.zb * p.sb_bs;
    const int sa_gm = p.sa_gm, sa_gk = p.sa_gk, sb_gn = p.sb_gn, sb_gk = p.sb_gk;
    const int sa_ms = static_cast<int>(p.sa_ms), sa_ks = static_cast<int>(p.sa_ks);
    const int sb_ns = static_cast<int>(p.sb_ns), sb_ks = static_cast<int>(p.sb_ks);
    float sb[FN][2];
#pragma unroll
    for (int j = 0; j < FN; ++j)
#pragma unroll
      for (int h = 0; h < 2; ++h)
        sb[j][h] = scale_at(p.sb, sb_off, ncol + j * 8 + h, k, sb_gn, sb_gk, sb_ns, sb_ks, p.sb_enc, p.n);
#pragma unroll
    for (int i = 0; i < FM; ++i)
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const float sa = scale_at(p.sa, sa_off, mrow + i * 16 + 8 * h, k, sa_gm, sa_gk, sa_ms, sa_ks, p.sa_enc, mlim);
#pragma unroll
        for (int j = 0; j < FN; ++j)
#pragma unroll
          for (int e = 0; e < 2; ++e) {
            acc[i][j][2 * h + e] += part[i][j][2 * h + e] * (sa * sb[j][e]);
            part[i][j][2 * h + e] = 0.f;
          }
      }
  }

  static __device__ __forceinline__ void epilogue(const GkGemmParams& p, const Problem& pr, const Smem& sm,
                                                  long long m0, long long n0, int rows, int wm, int wn, int g,
                                                  int t, float (&acc)[FM][FN][4]) {
    float mul = p.alpha;
    if (p.alpha_ptr) mul *= __ldg(p.alpha_ptr);
    const float out_div = p.out_scale ? __ldg(p.out_scale) : 1.f;
#pragma unroll
    for (int i = 0; i < FM; ++i)
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int r = wm * WM + i * 16 + g + 8 * h;
        if (r >= rows || !sm.row_ok[r]) continue;
        const long long row = m0 + r;
        float rs = mul;
        if constexpr (SCALE == GK_SCALE_EPILOGUE)
          rs *= scale_at(p.sa, pr.za * p.sa_bs, static_cast<int>(row), 0, p.sa_gm, p.sa_gk, static_cast<int>(p.sa_ms),
                         static_cast<int>(p.sa_ks), p.sa_enc, static_cast<int>(row) + 1);
#pragma unroll
        for (int j = 0; j < FN; ++j)
#pragma unroll
          for (int e = 0; e < 2; ++e) {
            const long long col = n0 + wn * WN + j * 8 + 2 * t + e;
            if (col >= p.n) continue;
            float v = acc[i][j][2 * h + e] * rs;
            if constexpr (SCALE == GK_SCALE_EPILOGUE)
              v *= scale_at(p.sb, pr.zb * p.sb_bs, static_cast<int>(col), 0, p.sb_gn, p.sb_gk,
                            static_cast<int>(p.sb_ns), static_cast<int>(p.sb_ks), p.sb_enc, p.n);
            if (p.bias) v += gk_load_as(p.bias, col, p.bias_type);
            if (p.c) v += p.beta * gk_load_as(p.c, pr.zo * p.c_bs + row * p.c_rs + col, p.c_type);
            const long long o = pr.zo * p.o_bs + row * p.o_rs + col * p.o_cs;
            if (p.accumulate) v += static_cast<const float*>(p.out)[o];
            if (p.out_scale) v = __fdiv_rn(v, out_div);  // exact division, as the reference does
            gk_store_as(p.out, o, p.out_type, v);
          }
      }
  }
};

// Entry point body shared by the family files: `extern "C" __global__ void NAME(GkGemmParams p, unsigned* st)`.
#define GK_DEFINE_GEMM_ENTRY(NAME)                                                                          \
  extern "C" __global__ void __launch_bounds__(GkGemm<GK_TA, GK_TB, GK_MMA, GK_CFG, GK_SCALE>::THREADS, 1) \
      NAME(const GkGemmParams p, unsigned int* status) {                                                    \
    GkGemm<GK_TA, GK_TB, GK_MMA, GK_CFG, GK_SCALE>::run(p, status);                                         \
  }
