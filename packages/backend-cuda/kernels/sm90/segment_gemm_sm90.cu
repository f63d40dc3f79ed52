// Hopper (sm_90a) BF16/FP16 segment GEMM (segmentGemm): for segment s with rows [lo_s, hi_s) of x and weight
// w_s, out[lo_s:hi_s] = x[lo_s:hi_s] · W_{w_s}, f32 accumulation, output in the input dtype.
//
// A = x [S, dIn] K-major. B = weights, either [W, dOut, dIn] (K-major: B_MN 0) or [W, dIn, dOut] (N contiguous,
// MN-major: B_MN 1, read by wgmma with the transpose-B immediate). The launcher's transpose pre-pass
// (sm90_segment_transpose below, GEMMKIT_SM90_SEGMENT_B=transpose) turns row-major weights into K-major ones.
//
// Structure (the family of fp8_gemm_sm90.cu; see docs/segment-gemm-sm90.md):
//  * warp specialization: NUM_MATH_WG math warpgroups (64 rows of the tile each) + 1 producer warpgroup whose
//    elected thread streams the A and B tiles with TMA into a STAGES-deep ring of shared memory (full/empty
//    mbarriers); setmaxnreg moves registers from the producer to the math warpgroups.
//  * wgmma m64nBNk16 (bf16/f16 -> f32) from 128B-swizzled shared memory; one wgmma group stays in flight, the
//    stage of the previous K block is released when it completes. 16-bit inputs need no promotion: the
//    tensor cores accumulate in full f32.
//  * persistent grid over a tile list built on the fly: tiles are numbered segment by segment (ceil(rows /
//    BLOCK_M) m blocks x ceil(dOut / BLOCK_N) n blocks each, GROUP_M-row bands inside a segment); every
//    thread walks the segments with a cursor that only moves forward, because its tiles only grow.
//  * A tiles start at the segment's first row; the rows past its end (the next segment's, or TMA zero fill
//    past S) only feed output rows that are never stored. B is a 3D tensor map [W, ., .], so N / K edges are
//    zero filled instead of reading the neighbouring weight.
//  * predicated epilogue straight from the accumulator fragment: only the segment's rows and columns < dOut.
// Bad segments (offsets out of order / past S, negative lengths, weight ids outside [0, W)) get no tiles; one
// thread of CTA 0 raises GK_STATUS_BAD_OFFSET / GK_STATUS_BAD_WEIGHT_INDEX like the portable kernel.

#ifndef BLOCK_M
#define BLOCK_M 128
#endif
#ifndef BLOCK_N
#define BLOCK_N 128
#endif
#ifndef STAGES
#define STAGES 6
#endif
#ifndef DTYPE  // 0 = bf16, 1 = f16 (inputs and output)
#define DTYPE 0
#endif
#ifndef B_MN  // 0 = K-major weights [W, dOut, dIn]; 1 = MN-major weights [W, dIn, dOut]
#define B_MN 0
#endif
#ifndef GROUP_M
#define GROUP_M 8
#endif
#ifndef KERNEL_NAME
#define KERNEL_NAME segment_gemm_sm90
#endif

#define BLOCK_K 64  // 64 16-bit elements = one 128-byte swizzle row
#define NUM_MATH_WG (BLOCK_M / 64)
#define NUM_MATH_THREADS (NUM_MATH_WG * 128)
#define NUM_THREADS (NUM_MATH_THREADS + 128)
#define ACC_REGS (BLOCK_N / 2)
#define SMEM_A_STAGE (BLOCK_M * BLOCK_K * 2)
#define SMEM_B_STAGE (BLOCK_N * BLOCK_K * 2)
// MN-major B: the stage is BLOCK_N / 64 chunks of [BLOCK_K rows (k) x 64 columns (n)], 128 bytes per row.
#define B_CHUNK (BLOCK_K * 128)

static_assert(BLOCK_M == 64 || BLOCK_M == 128, "BLOCK_M is 64 or 128");
static_assert(BLOCK_N == 128 || BLOCK_N == 256, "BLOCK_N is 128 or 256");

#include "../common/status.cuh"
#include "hopper.cuh"  // TMA, mbarriers, wgmma descriptors (shared with the other sm90 kernels)

#if DTYPE == 0
#define WGMMA_AB "bf16.bf16"
#else
#define WGMMA_AB "f16.f16"
#endif
#define STR_(x) #x
#define STR(x) STR_(x)

// ---------------------------------------------------------------- wgmma
// d (+)= A(64x16, smem, K-major) · B(16 x BLOCK_N, smem); scale_d = 0 overwrites d. The last immediate is
// tnspB: 1 reads B as N-major (16-bit types only).
#define R8(i) "+f"(d[i + 0]), "+f"(d[i + 1]), "+f"(d[i + 2]), "+f"(d[i + 3]), "+f"(d[i + 4]), "+f"(d[i + 5]), "+f"(d[i + 6]), "+f"(d[i + 7])
#if BLOCK_N == 128
__device__ __forceinline__ void wgmma_tile(float* d, u64 da, u64 db, int scale_d) {
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n128k16.f32." WGMMA_AB " {"
      "%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26,%27,%28,%29,%30,%31,%32,%33,%34,%35,%36,%37,%38,%39,%40,%41,%42,%43,%44,%45,%46,%47,%48,%49,%50,%51,%52,%53,%54,%55,%56,%57,%58,%59,%60,%61,%62,%63}, %64, %65, p, 1, 1, 0, " STR(B_MN) ";\n}\n"
      : R8(0), R8(8), R8(16), R8(24), R8(32), R8(40), R8(48), R8(56)
      : "l"(da), "l"(db), "r"(scale_d));
}
#elif BLOCK_N == 256
__device__ __forceinline__ void wgmma_tile(float* d, u64 da, u64 db, int scale_d) {
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %130, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n256k16.f32." WGMMA_AB " {"
      "%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26,%27,%28,%29,%30,%31,%32,%33,%34,%35,%36,%37,%38,%39,%40,%41,%42,%43,%44,%45,%46,%47,%48,%49,%50,%51,%52,%53,%54,%55,%56,%57,%58,%59,%60,%61,%62,%63,%64,%65,%66,%67,%68,%69,%70,%71,%72,%73,%74,%75,%76,%77,%78,%79,%80,%81,%82,%83,%84,%85,%86,%87,%88,%89,%90,%91,%92,%93,%94,%95,%96,%97,%98,%99,%100,%101,%102,%103,%104,%105,%106,%107,%108,%109,%110,%111,%112,%113,%114,%115,%116,%117,%118,%119,%120,%121,%122,%123,%124,%125,%126,%127}, %128, %129, p, 1, 1, 0, " STR(B_MN) ";\n}\n"
      : R8(0), R8(8), R8(16), R8(24), R8(32), R8(40), R8(48), R8(56), R8(64), R8(72), R8(80), R8(88), R8(96), R8(104), R8(112), R8(120)
      : "l"(da), "l"(db), "r"(scale_d));
}
#endif

// MN-major B with 128-byte swizzle: 64 columns (128 bytes) per row, 8-row atoms of 1024 bytes. For a transposed
// operand the descriptor's leading offset (LBO) steps between 64-column chunks along N (B_CHUNK bytes apart)
// and the stride offset (SBO) between 8-row groups along K (1024 bytes), the reverse of the K-major roles.
__device__ __forceinline__ u64 smem_desc_mn(const void* p) {
  u64 addr = smem_addr(p);
  return ((addr & 0x3FFFF) >> 4) | ((u64)(B_CHUNK >> 4) << 16) | ((u64)(1024 >> 4) << 32) | (1ull << 62);
}

// Tie the accumulator registers to this point so the compiler cannot move their reads/writes across the
// asynchronous wgmma issue/wait.
__device__ __forceinline__ void fence_regs(float* r) {
#pragma unroll
  for (int i = 0; i < ACC_REGS; ++i) asm volatile("" : "+f"(r[i])::"memory");
}

__device__ __forceinline__ u32 pack2(float lo, float hi) {
  u32 r;
#if DTYPE == 0
  asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
#else
  asm("cvt.rn.f16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
#endif
  return r;
}

__device__ __forceinline__ long long seg_index(const void* p, int i, int i64) {
  return i64 ? __ldg((const long long*)p + i) : (long long)__ldg((const int*)p + i);
}

// ---------------------------------------------------------------- segments -> tiles
struct SegArgs {
  const void* index;   // segIndptr [B + 1] or segLens [B]
  const void* index2;  // weightIndices [B] or null (segment s uses weight s)
  int index_i64;       // both index tensors share one width (the launcher widens a mix to i64)
  int use_indptr;
  int num_segments, num_weights, S, num_n_blocks;
};

// One segment's bounds as the portable kernel (gemm_core.cuh, MAP.segment / MAP.segmentLens) resolves them;
// `flag` = the status bit of a bad segment (0 when valid).
struct SegInfo {
  long long lo, hi, len;  // len: the segLens entry (for the running sum)
  int w;
  unsigned flag;
};

__device__ __forceinline__ SegInfo seg_info(const SegArgs& a, int s, long long run, bool neg) {
  SegInfo g;
  bool bad = false;
  if (a.use_indptr) {
    g.lo = seg_index(a.index, s, a.index_i64);
    g.hi = seg_index(a.index, s + 1, a.index_i64);
    g.len = 0;
  } else {
    g.len = seg_index(a.index, s, a.index_i64);
    g.lo = run;
    g.hi = run + g.len;
    bad = neg;  // a negative earlier length shifts every later segment: all of them are skipped
  }
  g.flag = 0;
  g.w = 0;
  if (bad || g.lo < 0 || g.hi < g.lo || g.hi > a.S) {
    g.flag = GK_STATUS_BAD_OFFSET;
    return g;
  }
  const long long w = a.index2 ? seg_index(a.index2, s, a.index_i64) : s;
  if (w < 0 || w >= a.num_weights) g.flag = GK_STATUS_BAD_WEIGHT_INDEX;
  g.w = (int)w;
  return g;
}

struct STile {
  int row0;  // first row of the tile in x / out
  int rows;  // rows of the tile inside the segment (stores are predicated on it)
  int w;     // weight
  int nb;    // n block
};

// Tiles are visited in increasing order by each thread, so the cursor only advances.
struct SegCursor {
  int seg;
  long long before;  // tiles of the segments before `seg`
  long long run;     // segLens: start row of `seg` (sum of the earlier lengths)
  bool neg;          // segLens: an earlier length was negative
};

__device__ __forceinline__ bool next_tile(const SegArgs& a, long long tile, SegCursor& c, STile& t) {
  for (;;) {
    if (c.seg >= a.num_segments) return false;
    const SegInfo g = seg_info(a, c.seg, c.run, c.neg);
    const long long m_blocks = g.flag ? 0 : (g.hi - g.lo + BLOCK_M - 1) / BLOCK_M;
    const long long nt = m_blocks * a.num_n_blocks;
    if (tile < c.before + nt) {
      // GROUP_M-row bands of m blocks inside the segment (L2 reuse of the weight tiles).
      const int local = (int)(tile - c.before);
      const int per_group = GROUP_M * a.num_n_blocks;
      const int first_m = (local / per_group) * GROUP_M;
      const int band = min((int)m_blocks - first_m, GROUP_M);
      const int in_group = local % per_group;
      const int mb = first_m + in_group % band;
      t.nb = in_group / band;
      t.row0 = (int)g.lo + mb * BLOCK_M;
      t.rows = min(BLOCK_M, (int)(g.hi - t.row0));
      t.w = g.w;
      return true;
    }
    c.before += nt;
    if (!a.use_indptr) {
      c.run += g.len;
      c.neg |= g.len < 0;
    }
    ++c.seg;
  }
}

// One pass over the segments raising the portable kernel's status bits (once per launch, CTA 0).
static __device__ __noinline__ void validate_segments(SegArgs a, unsigned* status) {
  long long run = 0;
  bool neg = false;
  unsigned flags = 0;
  for (int s = 0; s < a.num_segments; ++s) {
    const SegInfo g = seg_info(a, s, run, neg);
    flags |= g.flag;
    run += g.len;
    neg |= g.len < 0;
  }
  if (flags) gk_raise(status, flags);
}

// ---------------------------------------------------------------- the kernel
extern "C" __global__ void __launch_bounds__(NUM_THREADS, 1)
    KERNEL_NAME(const __grid_constant__ TmaDesc map_a, const __grid_constant__ TmaDesc map_b,
                void* __restrict__ out, long ldd, const void* __restrict__ index, const void* __restrict__ index2,
                int index_i64, int use_indptr, int num_segments, int num_weights, int S, int N, int K,
                unsigned* __restrict__ status) {
  extern __shared__ __align__(1024) unsigned char smem_raw[];
  // 1024-byte alignment is required by the 128B swizzle atoms.
  unsigned char* smem = (unsigned char*)(((u64)smem_raw + 1023) & ~(u64)1023);
  unsigned char* smem_a = smem;
  unsigned char* smem_b = smem_a + STAGES * SMEM_A_STAGE;
  u64* full_bar = (u64*)(smem_b + STAGES * SMEM_B_STAGE);
  u64* empty_bar = full_bar + STAGES;

  const int tid = threadIdx.x;
  const int num_n_blocks = (N + BLOCK_N - 1) / BLOCK_N;
  const int num_k_blocks = (K + BLOCK_K - 1) / BLOCK_K;
  const SegArgs sa{index, index2, index_i64, use_indptr, num_segments, num_weights, S, num_n_blocks};

  if (tid == NUM_MATH_THREADS) {
    tma_prefetch_desc(&map_a);
    tma_prefetch_desc(&map_b);
    mbar_ring_init(full_bar, empty_bar, STAGES, NUM_MATH_WG * 4);  // one arrive per math warp
  }
  __syncthreads();

  if (tid >= NUM_MATH_THREADS) {
    // ------------------------------------------------------------ producer warpgroup
#if NUM_MATH_WG == 2
    asm volatile("setmaxnreg.dec.sync.aligned.u32 40;");
#endif
    if (tid == NUM_MATH_THREADS) {
      int stage = 0;
      u32 phase = 0;
      SegCursor cur{0, 0, 0, false};
      STile t;
      for (long long tile = blockIdx.x; next_tile(sa, tile, cur, t); tile += gridDim.x) {
        for (int kb = 0; kb < num_k_blocks; ++kb) {
          mbar_wait(&empty_bar[stage], phase ^ 1);
#if B_MN
          // [W, dIn, dOut]: boxes of 64 columns x BLOCK_K rows. Boxes that start at or past dOut are not
          // loaded at all (their stale shared memory only feeds columns >= N, which are never stored); the
          // out-of-range part of a partial box is zero filled and counted in the transaction bytes.
          const int chunks = min(BLOCK_N / 64, (N - t.nb * BLOCK_N + 63) / 64);
          mbar_expect_tx(&full_bar[stage], SMEM_A_STAGE + chunks * B_CHUNK);
          tma_load_2d(smem_a + stage * SMEM_A_STAGE, &map_a, &full_bar[stage], kb * BLOCK_K, t.row0);
#pragma unroll
          for (int j = 0; j < BLOCK_N / 64; ++j)
            if (j < chunks)
              tma_load_3d(smem_b + stage * SMEM_B_STAGE + j * B_CHUNK, &map_b, &full_bar[stage],
                          t.nb * BLOCK_N + j * 64, kb * BLOCK_K, t.w);
#else
          // Out-of-range parts of a box are zero filled and still counted in the transaction bytes.
          mbar_expect_tx(&full_bar[stage], SMEM_A_STAGE + SMEM_B_STAGE);
          tma_load_2d(smem_a + stage * SMEM_A_STAGE, &map_a, &full_bar[stage], kb * BLOCK_K, t.row0);
          // [W, dOut, dIn]: one box of BLOCK_N rows x BLOCK_K.
          tma_load_3d(smem_b + stage * SMEM_B_STAGE, &map_b, &full_bar[stage], kb * BLOCK_K, t.nb * BLOCK_N, t.w);
#endif
          if (++stage == STAGES) {
            stage = 0;
            phase ^= 1;
          }
        }
      }
    }
    // An idle producer thread of CTA 0 checks the index data once and raises the status flags.
    if (blockIdx.x == 0 && tid == NUM_MATH_THREADS + 32) validate_segments(sa, status);
  } else {
    // ------------------------------------------------------------ math warpgroups
#if NUM_MATH_WG == 2
    asm volatile("setmaxnreg.inc.sync.aligned.u32 232;");
#endif
    const int wg = tid / 128;
    const int warp = (tid % 128) / 32;
    const int lane = tid % 32;
    const int row_in_tile = wg * 64 + warp * 16 + lane / 4;  // and +8

    float acc[ACC_REGS];
    int stage = 0;
    u32 phase = 0;
    SegCursor cur{0, 0, 0, false};
    STile t;
    auto release = [&](int s) {
      if (lane == 0) mbar_arrive(&empty_bar[s]);
    };
    for (long long tile = blockIdx.x; next_tile(sa, tile, cur, t); tile += gridDim.x) {
      int prev = -1;  // stage of the K block whose wgmmas may still run
      for (int kb = 0; kb < num_k_blocks; ++kb) {
        mbar_wait(&full_bar[stage], phase);
        const unsigned char* a_tile = smem_a + stage * SMEM_A_STAGE + wg * 64 * 128;
        const unsigned char* b_tile = smem_b + stage * SMEM_B_STAGE;
        wgmma_fence();
#pragma unroll
        for (int k = 0; k < BLOCK_K / 16; ++k) {
#if B_MN
          const u64 db = smem_desc_mn(b_tile + k * 16 * 128);  // 16 rows of k further
#else
          const u64 db = smem_desc(b_tile + k * 32);  // 16 elements of k further inside the swizzled row
#endif
          wgmma_tile(acc, smem_desc(a_tile + k * 32), db, (kb > 0 || k > 0) ? 1 : 0);
        }
        wgmma_commit();
        fence_regs(acc);
        // Keep one group in flight: the previous K block's wgmmas are done, free its stage.
        if (prev >= 0) {
          wgmma_wait1();
          fence_regs(acc);
          release(prev);
        }
        prev = stage;
        if (++stage == STAGES) {
          stage = 0;
          phase ^= 1;
        }
      }
      // (K > 0: the launcher sends dIn == 0 to the portable kernel, so `prev` is a stage here.)
      wgmma_wait0();
      fence_regs(acc);
      release(prev);

      // Predicated stores: rows of the segment, columns < N. Accumulator fragment of wgmma m64nN: reg
      // 4j+{0,1} -> (row, 8j + 2*(lane%4) + {0,1}), reg 4j+{2,3} -> (row + 8, same columns).
      const int col0 = t.nb * BLOCK_N + (lane % 4) * 2;
      u16* o = (u16*)out;
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int r = row_in_tile + 8 * h;
        if (r >= t.rows) continue;
        u16* orow = o + (long)(t.row0 + r) * ldd;
#pragma unroll
        for (int j = 0; j < BLOCK_N / 8; ++j) {
          const int col = col0 + j * 8;
          if (col >= N) continue;
          const u32 p = pack2(acc[4 * j + 2 * h], acc[4 * j + 2 * h + 1]);
          u16* dst = orow + col;
          if (col + 1 < N && ((u64)dst & 3) == 0) {
            *(u32*)dst = p;
          } else {
            dst[0] = (u16)(p & 0xffff);
            if (col + 1 < N) dst[1] = (u16)(p >> 16);
          }
        }
      }
    }
  }
}

#ifndef SM90_NO_SEGMENT_HELPERS
// Transpose pre-pass (GEMMKIT_SM90_SEGMENT_B=transpose): weights [W, dIn, dOut] (row stride src_ks, weight
// stride src_ws) -> dst [W, dOut, dIn] contiguous, K-major for the B_MN 0 kernel. Only weights some segment uses
// are transposed (blockIdx.z = weight; a block scans weightIndices). 32x32 tiles through shared memory.
extern "C" __global__ void __launch_bounds__(256) sm90_segment_transpose(
    const u16* __restrict__ src, u16* __restrict__ dst, int K, int N, long src_ws, long src_ks,
    const void* __restrict__ index2, int index_i64, int num_segments) {
  __shared__ u16 tile[32][33];
  const int w = blockIdx.z;
  int used;
  if (index2 == nullptr) {
    used = w < num_segments;
  } else {
    int mine = 0;
    for (int s = threadIdx.y * 32 + threadIdx.x; s < num_segments && !mine; s += 256)
      mine = seg_index(index2, s, index_i64) == w;
    used = __syncthreads_or(mine);
  }
  if (!used) return;
  const int n0 = blockIdx.x * 32, k0 = blockIdx.y * 32;
  const u16* s = src + (long)w * src_ws;
  for (int i = threadIdx.y; i < 32; i += 8) {
    const int k = k0 + i, n = n0 + threadIdx.x;
    if (k < K && n < N) tile[i][threadIdx.x] = s[(long)k * src_ks + n];
  }
  __syncthreads();
  u16* d = dst + (long)w * N * K;
  for (int i = threadIdx.y; i < 32; i += 8) {
    const int n = n0 + i, k = k0 + threadIdx.x;
    if (k < K && n < N) d[(long)n * K + k] = tile[threadIdx.x][i];
  }
}
#endif  // SM90_NO_SEGMENT_HELPERS
