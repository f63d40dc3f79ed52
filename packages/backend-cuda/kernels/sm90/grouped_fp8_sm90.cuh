// Grouped (MoE) modes of the sm90 FP8 GEMM: the tile scheduler, the predicated epilogue with the overlap signal
// and the index checks. Included by fp8_gemm_sm90.cu when MODE != 0 (from grouped_fp8_sm90.cu); everything else
// (TMA ring, wgmma, promotion, persistent loop) is the dense kernel's.
//
// MODE 1, contiguous (ragged-M): A [M, K] packed rows; `gmeta` = {count, 0, 0, 0, int4 blocks[count]} written by
//   sm90_grouped_block_list: one entry {first row, expert, rows, 0} per BLOCK_M-row block that has an expert.
//   Padding blocks are not in the list at all, so no CTA spends time on them. `gidx` = m_indices (per_token
//   mode, rows whose id differs from the block's expert are not stored) or nullptr (psum/per_expert: the first
//   `rows` rows of the block are the expert's).
// MODE 2, masked: A [E, maxM, K] seen as [E*maxM, K] (M = maxM), A scales [kb][E * roundup(maxM, 4)];
//   `gidx` = masked_m[E]. Tiles enumerate only rows
//   < masked_m[e] (clamped to [0, maxM]): the scheduler walks the experts with a cursor, as tiles only grow.
// MODE 3, ragged-K (weight gradients): A [M, K] and B [N, K] K-major (the launcher transposes M/N-major inputs
//   first), `gidx` = the E per-expert K counts; expert e owns K rows [s_e, s_e + c_e), s_e = Σ_{i<e} c_i. Tiles
//   are (expert, m block, n block) for the experts with rows; each runs over its expert's K blocks only and
//   adds its f32 tile into out[e] (ragged_k_epilogue). The cursor accumulates s_e while it walks the experts,
//   with core's raggedKRanges clamping (negative -> 0, end <= K), so no pre-pass kernel is needed.
// Modes 1/2: B [E, N, K] is one 2D tensor map over [E*N, K]: expert e's row n is e*N + n. An N edge tile reads rows of
// expert e+1 (or TMA zero fill after the last): they only feed columns >= N, which are never stored.
#include "../common/status.cuh"

struct GTile {
  int a_row;      // first row of the tile in A's 2D view
  int sfa_col;    // first column of the tile's A scales ([kb][rows_pad], 16-byte aligned for TMA)
  int b_row;      // first row of the tile in B's [E*N, K] view
  int nb;         // N block inside the expert
  int group;      // expert
  int rows;       // rows of the tile owned by the expert: stores are predicated on it
  int m0;         // first row of the tile inside the expert (masked: for the signal)
  long out_off;   // element offset of the tile's first output row
  int k0;         // ragged-K: first K row of the expert (s_e)
  int kblocks;    // ragged-K: 128-row K blocks of the expert
};

// Scheduler state of one thread (tiles are visited in increasing order, so the expert cursor only advances).
struct GCursor {
  int group, before, mm, loaded;
  int kat;  // ragged-K: first K row of `group` (the clamped prefix sum of the counts before it)
};

struct GroupedSched {
  const int* gidx;
  const int* gmeta;
  int num_groups, M, N, num_n_blocks;
  long ldd, out_gstride;
  int K;  // ragged-K: rows of A and B (the counts are clamped to it)

  // GROUP_M-row bands of M blocks (as the dense kernel's rasterization) for L2 reuse of the B tile.
  __device__ __forceinline__ void raster(int mn, int m_blocks, int& mb, int& nb) const {
    const int per_group = GROUP_M * num_n_blocks;
    const int first_m = (mn / per_group) * GROUP_M;
    const int rows = min(m_blocks - first_m, GROUP_M);
    const int in_group = mn % per_group;
    mb = first_m + in_group % rows;
    nb = in_group / rows;
  }

  __device__ __forceinline__ bool next(int tile, GCursor& c, GTile& t) const {
#if MODE == 1
    (void)c;
    const int count = __ldg(gmeta);
    if (tile >= count * num_n_blocks) return false;
    int i, nb;
    raster(tile, count, i, nb);
    const int4 b = __ldg(reinterpret_cast<const int4*>(gmeta + 4) + i);
    t.a_row = b.x;
    t.sfa_col = b.x;  // blocks start at multiples of BLOCK_M
    t.group = b.y;
    t.rows = b.z;
    t.m0 = b.x;
    t.nb = nb;
    t.b_row = b.y * N + nb * BLOCK_N;
    t.out_off = (long)b.x * ldd;
    return true;
#elif MODE == 3
    const int m_blocks = (M + BLOCK_M - 1) / BLOCK_M;
    for (;;) {
      if (c.group >= num_groups) return false;
      if (!c.loaded) {
        // raggedKRanges: a negative count reads as 0, the range ends at K at the latest.
        c.mm = min(max(__ldg(gidx + c.group), 0), K - c.kat);
        c.loaded = 1;
      }
      // Empty experts have no tiles at all. Neither has an expert whose K range is not 128-row aligned (bad
      // data, flagged by grouped_validate): a TMA box starting off a 16-byte boundary faults (illegal
      // instruction, seen under compute-sanitizer on an H200), so such a range is skipped, not read.
      const bool aligned = c.kat % BLOCK_K == 0 && c.mm % BLOCK_K == 0;
      const int nt = c.mm > 0 && aligned ? m_blocks * num_n_blocks : 0;
      if (tile < c.before + nt) break;
      c.before += nt;
      c.kat += c.mm;
      ++c.group;
      c.loaded = 0;
    }
    int mb, nb;
    raster(tile - c.before, m_blocks, mb, nb);
    t.group = c.group;
    t.m0 = mb * BLOCK_M;
    t.a_row = t.m0;
    t.sfa_col = t.m0;
    t.rows = min(BLOCK_M, M - t.m0);
    t.nb = nb;
    t.b_row = nb * BLOCK_N;
    t.k0 = c.kat;
    t.kblocks = c.mm / BLOCK_K;
    t.out_off = (long)c.group * out_gstride + (long)t.m0 * ldd;
    return true;
#else
    for (;;) {
      if (c.group >= num_groups) return false;
      if (!c.loaded) {
        c.mm = min(max(__ldg(gidx + c.group), 0), M);  // bad counts are clamped (and flagged by grouped_validate)
        c.loaded = 1;
      }
      const int nt = (c.mm + BLOCK_M - 1) / BLOCK_M * num_n_blocks;
      if (tile < c.before + nt) break;
      c.before += nt;
      ++c.group;
      c.loaded = 0;
    }
    int mb, nb;
    raster(tile - c.before, (c.mm + BLOCK_M - 1) / BLOCK_M, mb, nb);
    t.group = c.group;
    t.m0 = mb * BLOCK_M;
    t.a_row = c.group * M + t.m0;
    t.sfa_col = c.group * ((M + 3) & ~3) + t.m0;  // the launcher pads each expert's scales to 4 rows
    t.rows = min(BLOCK_M, c.mm - t.m0);
    t.nb = nb;
    t.b_row = c.group * N + nb * BLOCK_N;
    t.out_off = (long)c.group * out_gstride + (long)t.m0 * ldd;
    return true;
#endif
  }
};

// Masked mode: one pass over masked_m (the scheduler clamps; this raises the flag once per launch).
static __device__ __noinline__ void grouped_validate(const int* gidx, int num_groups, int M, unsigned* status) {
#if MODE == 2
  for (int e = 0; e < num_groups; ++e) {
    const int v = __ldg(gidx + e);
    if (v < 0 || v > M) {
      gk_raise(status, GK_STATUS_BAD_COUNT);
      return;
    }
  }
#elif MODE == 3
  // M = K here. Negative counts and counts past K are clamped by the scheduler (as the portable kernel does);
  // counts that are not multiples of 128 break the contract ('full' validation: E_ALIGN) and are flagged too,
  // and the scheduler gives such an expert no tiles (its TMA boxes would start off a 16-byte boundary).
  long at = 0;
  for (int e = 0; e < num_groups; ++e) {
    const int v = __ldg(gidx + e);
    if (v < 0 || at + v > M || v % 128 != 0) {
      gk_raise(status, GK_STATUS_BAD_COUNT);
      return;
    }
    at += v;
  }
#else
  (void)gidx, (void)num_groups, (void)M, (void)status;  // the block-list kernel checked the index data
#endif
}

#if MODE == 3
// out[e, m, n] += acc for the tile's rows < M and columns < N (f32 read-modify-write; each output element
// belongs to exactly one tile, so no atomics). A thread's whole tile part inside N with 8-byte aligned pairs
// (the common case) loads every old pair first and only then stores: interleaved, each load would wait for
// the store before it (they may alias), one global round trip per pair. Edge parts go pair by pair.
__device__ __forceinline__ void ragged_k_epilogue(float* out, long ldd, int N, const GTile& t, int row_in_tile,
                                                  int col0, int lane, const float* acc) {
  float* o = out + t.out_off;
  float* r0 = o + (long)row_in_tile * ldd + col0 + (lane % 4) * 2;
  float* r1 = r0 + 8 * ldd;
  const bool ok0 = row_in_tile < t.rows, ok1 = row_in_tile + 8 < t.rows;
  if (col0 + BLOCK_N <= N && ((u64)r0 & 7) == 0 && (ldd & 1) == 0) {
    float2 old[BLOCK_N / 8][2];
#pragma unroll
    for (int j = 0; j < BLOCK_N / 8; ++j) {
      old[j][0] = ok0 ? *reinterpret_cast<const float2*>(r0 + j * 8) : make_float2(0.f, 0.f);
      old[j][1] = ok1 ? *reinterpret_cast<const float2*>(r1 + j * 8) : make_float2(0.f, 0.f);
    }
#pragma unroll
    for (int j = 0; j < BLOCK_N / 8; ++j) {
      if (ok0) *reinterpret_cast<float2*>(r0 + j * 8) = make_float2(old[j][0].x + acc[4 * j], old[j][0].y + acc[4 * j + 1]);
      if (ok1)
        *reinterpret_cast<float2*>(r1 + j * 8) = make_float2(old[j][1].x + acc[4 * j + 2], old[j][1].y + acc[4 * j + 3]);
    }
    return;
  }
#pragma unroll
  for (int j = 0; j < BLOCK_N / 8; ++j) {
    const int col = col0 + j * 8 + (lane % 4) * 2;
    if (col >= N) continue;
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const int row = row_in_tile + 8 * h;
      if (row >= t.rows) continue;
      float* q = o + (long)row * ldd + col;
      const float v0 = acc[4 * j + 2 * h], v1 = acc[4 * j + 2 * h + 1];
      if (col + 1 < N && ((u64)q & 7) == 0) {
        float2 x = *reinterpret_cast<float2*>(q);
        x.x += v0;
        x.y += v1;
        *reinterpret_cast<float2*>(q) = x;
      } else {
        q[0] += v0;
        if (col + 1 < N) q[1] += v1;
      }
    }
  }
}
#endif

// Store the tile's rows that belong to its expert; masked mode with a signal: after every math thread's stores
// are visible device-wide, one release increment per 64-row block that has rows (the consumer waits for
// ceil(N / BLOCK_N) of them). The launcher guarantees even ldd and out_gstride (aligned pair stores).
__device__ __forceinline__ void grouped_epilogue(void* out, long ldd, int N, const GTile& t, const GroupedSched& s,
                                                 int row_in_tile, int col0, int lane, const float* acc,
                                                 float out_div, int* signal, int tid) {
  void* o = (char*)out + t.out_off * (OUT_KIND == 2 ? 1 : 2);
  bool ok0 = row_in_tile < t.rows, ok1 = row_in_tile + 8 < t.rows;
#if MODE == 1
  if (s.gidx != nullptr) {  // per_token: padding rows (-1) and foreign ids are never written
    if (ok0) ok0 = __ldg(s.gidx + t.a_row + row_in_tile) == t.group;
    if (ok1) ok1 = __ldg(s.gidx + t.a_row + row_in_tile + 8) == t.group;
  }
#endif
  const int lim0 = ok0 ? BLOCK_M : 0, lim1 = ok1 ? BLOCK_M : 0;
#pragma unroll
  for (int j = 0; j < BLOCK_N / 8; ++j) {
    const int col = col0 + j * 8 + (lane % 4) * 2;
    store_pair(o, ldd, row_in_tile, col, lim0, N, acc[4 * j + 0], acc[4 * j + 1], out_div);
    store_pair(o, ldd, row_in_tile + 8, col, lim1, N, acc[4 * j + 2], acc[4 * j + 3], out_div);
  }
#if MODE == 2
  if (signal != nullptr) {
    __threadfence();
    math_barrier();
    if (tid == 0) {
      const int per_expert = (s.M + 63) / 64;
      for (int r = 0; r < t.rows; r += 64) {
        int* sig = signal + (long)t.group * per_expert + (t.m0 + r) / 64;
        asm volatile("red.release.gpu.global.add.s32 [%0], 1;" ::"l"(sig) : "memory");
      }
    }
  }
#else
  (void)signal, (void)tid;
#endif
}
