// Hopper (sm_90a) FP8 block-scaled GEMM: D[M,N] = sum_kb (A_kb · B_kb^T) · sfa[m,kb] · sfb[n/128,kb].
//
// A: e4m3 [M, K] K-major.  B: e4m3 [N, K] K-major (the "NT" layout).
// sfa: f32 1x128 scales, MN-major and TMA-aligned: [ceil(K/128)][Mpad] with Mpad % 4 == 0 — or, dense mode,
//      per-row scales K-major or broadcast over K (sfa_k, read by a producer warp).
// sfb: f32 128x128 scales [ceil(N/128)][ceil(K/128)]: dense mode through any strides (sfb_ld, sfb_kld), the
//      grouped modes K-major.
//
// Structure (see docs/fp8-gemm-sm90.md):
//  * warp specialization: NUM_MATH_WG math warpgroups (64 rows of the tile each) + 1 producer warpgroup whose
//    single elected thread streams A, B and the A scales with TMA into a STAGES-deep ring of shared memory,
//    synchronized by full/empty mbarriers; setmaxnreg moves registers from the producer to the math warps.
//  * wgmma m64nBNk32 (e4m3·e4m3 → f32) reads both operands from 128B-swizzled shared memory.
//  * the FP8 tensor-core accumulator is not a full f32 accumulator, so every 128-wide K block is summed in a
//    fresh fragment and then promoted into f32 registers with its scales (sfa·sfb), as DeepSeek recommends.
//  * CLUSTER = 2: two CTAs on neighbouring M blocks share one B tile; each loads half and multicasts it
//    (halves the L2 traffic of B, which bounds a 128x128 FP8 tile on Hopper).
//  * BLOCK_N = 192 straddles two 128-wide B scale blocks: each column picks its block at promotion.
//  * persistent grid: CTAs walk the tile list (grouped rasterization for L2 reuse) and keep the pipeline
//    running across tiles.
//  * dense epilogue (EPI_SMEM, EARLY_ISSUE): the next tile's first K block is issued before this tile is
//    written out; the tile goes through a padded shared-memory staging area and leaves as one asynchronous
//    bulk copy per row (no 4-byte stores scattered over 8 rows, no wait for their completion).
//  * split-K (split_k > 1) for small M: each split writes an f32 partial; the last CTA of a tile sums the
//    partials in split order (deterministic) and writes the output, then re-arms the tile's counter.
// MODE 1/2/3 (grouped contiguous, masked, ragged-K) swap in the tile scheduler and epilogue of
// grouped_fp8_sm90.cuh; ragged-K also loads per-column B scales per stage (smem_sfb) and promotes with them.
// Edges: TMA zero-fills out-of-range rows/cols/K; stores are predicated. Requires K % 16 == 0 (TMA strides).

typedef unsigned int u32;
typedef unsigned long long u64;
typedef unsigned short u16;

#ifndef BLOCK_M
#define BLOCK_M 128
#endif
#ifndef BLOCK_N
#define BLOCK_N 128
#endif
#ifndef STAGES
#define STAGES 5
#endif
#ifndef OUT_KIND  // 0 = bf16, 1 = f16, 2 = e4m3 (acc / *out_scale, saturated)
#define OUT_KIND 0
#endif
#ifndef KERNEL_NAME
#define KERNEL_NAME fp8_gemm_sm90
#endif
#ifndef CLUSTER  // CTAs per cluster along M; 2 = the B tile is multicast to both CTAs
#define CLUSTER 1
#endif
#ifndef MULTICAST  // with CLUSTER 2: 1 = share the B tile by TMA multicast, 0 = each CTA loads it (experiment)
#define MULTICAST (CLUSTER > 1)
#endif
#ifndef AB_TYPES  // 0 e4m3·e4m3, 1 e4m3·e5m2, 2 e5m2·e4m3, 3 e5m2·e5m2
#define AB_TYPES 0
#endif
#if AB_TYPES == 0
#define WGMMA_AB "e4m3.e4m3"
#elif AB_TYPES == 1
#define WGMMA_AB "e4m3.e5m2"
#elif AB_TYPES == 2
#define WGMMA_AB "e5m2.e4m3"
#else
#define WGMMA_AB "e5m2.e5m2"
#endif
#ifndef GROUP_M
#define GROUP_M 8
#endif
#ifndef MODE  // 0 dense; 1 grouped contiguous (ragged-M), 2 grouped masked, 3 ragged-K: see grouped_fp8_sm90.cu
#define MODE 0
#endif
#if MODE != 0
static_assert(CLUSTER == 1, "the grouped modes run without clusters");
#endif

#ifndef DOUBLE_BUFFER  // two partial fragments (needs 3 x BLOCK_N/2 accumulator registers)
#define DOUBLE_BUFFER (BLOCK_N <= 128)
#endif
#ifndef EPI_SMEM  // dense: stage the output tile in shared memory and write it with asynchronous bulk copies
#define EPI_SMEM (MODE == 0)
#endif
#ifndef EARLY_ISSUE  // dense: issue the next tile's first K block before this tile's epilogue (needs the
                     // registers of the double-buffered fragments; BLOCK_N 192 would spill)
#define EARLY_ISSUE (MODE == 0 && DOUBLE_BUFFER)
#endif
#ifndef SFB_AHEAD  // load the B scales one K block earlier (experiment)
#define SFB_AHEAD 0
#endif
#ifndef SFB_SMEM  // dense: a producer warp puts each K block's B scales into its pipeline stage (see below)
#define SFB_SMEM (MODE == 0)
#endif
#if SFB_SMEM && (MODE != 0 || SFB_AHEAD)
#error "SFB_SMEM is for the dense mode, instead of SFB_AHEAD"
#endif
#if MODE != 0 && (EPI_SMEM || EARLY_ISSUE)
#error "the grouped modes keep their own epilogue and tile order"
#endif

#define BLOCK_K 128
#define NUM_MATH_WG (BLOCK_M / 64)
#define NUM_MATH_THREADS (NUM_MATH_WG * 128)
#define NUM_THREADS (NUM_MATH_THREADS + 128)
#define ACC_REGS (BLOCK_N / 2)
#define SMEM_A_STAGE (BLOCK_M * BLOCK_K)
#define SMEM_B_STAGE (BLOCK_N * BLOCK_K)
#define OUT_BYTES (OUT_KIND == 2 ? 1 : 2)
// Epilogue staging: one row of the tile per BLOCK_N * OUT_BYTES bytes plus 16 bytes of padding (keeps 16-byte
// alignment for the bulk copies and puts the 8 rows a warp writes at once on different banks).
#define EPI_PITCH (BLOCK_N * OUT_BYTES + 16)
#if EPI_SMEM
#define EPI_SMEM_BYTES (BLOCK_M * EPI_PITCH)
#else
#define EPI_SMEM_BYTES 0
#endif
// The B scales of each stage (two 128-column blocks' worth, padded to 16 bytes to keep the staging aligned).
#define SFB_SMEM_BYTES (SFB_SMEM ? STAGES * 16 : 0)

static_assert(BLOCK_M == 64 || BLOCK_M == 128, "BLOCK_M is 64 or 128");
static_assert(BLOCK_N == 64 || BLOCK_N == 128 || BLOCK_N == 192, "BLOCK_N is 64, 128 or 192");
static_assert(CLUSTER == 1 || CLUSTER == 2, "CLUSTER is 1 or 2");

#include "hopper.cuh"  // TMA, mbarriers, wgmma descriptors (shared with the other sm90 kernels)

// ---------------------------------------------------------------- PTX helpers of this kernel
// B half-tile multicast to every CTA of the cluster (same smem offsets and mbarrier in each).
__device__ __forceinline__ void tma_load_2d_multicast(void* dst, const TmaDesc* map, u64* bar, int c0, int c1,
                                                      unsigned short mask) {
  asm volatile(
      "cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes.multicast::cluster [%0], [%1, {%2, "
      "%3}], [%4], %5;" ::"r"(smem_addr(dst)),
      "l"((u64)map), "r"(c0), "r"(c1), "r"(smem_addr(bar)), "h"(mask)
      : "memory");
}

// Shared -> global bulk copy (no tensor map): `bytes` % 16 == 0, both addresses 16-byte aligned.
__device__ __forceinline__ void bulk_store(void* gdst, const void* ssrc, u32 bytes) {
  asm volatile("cp.async.bulk.global.shared::cta.bulk_group [%0], [%1], %2;" ::"l"((u64)gdst), "r"(smem_addr(ssrc)),
               "r"(bytes)
               : "memory");
}
__device__ __forceinline__ void bulk_commit() { asm volatile("cp.async.bulk.commit_group;" ::: "memory"); }
// The copies committed by this thread have read their shared memory source.
__device__ __forceinline__ void bulk_wait_read() { asm volatile("cp.async.bulk.wait_group.read 0;" ::: "memory"); }
__device__ __forceinline__ void bulk_wait_all() { asm volatile("cp.async.bulk.wait_group 0;" ::: "memory"); }
// Order this thread's generic-proxy shared memory writes before later async-proxy (bulk copy) reads.
__device__ __forceinline__ void fence_proxy_async() { asm volatile("fence.proxy.async.shared::cta;" ::: "memory"); }
__device__ __forceinline__ void st_shared_u32(u32 addr, u32 v) {
  asm volatile("st.shared.b32 [%0], %1;" ::"r"(addr), "r"(v) : "memory");
}
__device__ __forceinline__ void st_shared_u16(u32 addr, u16 v) {
  asm volatile("st.shared.b16 [%0], %1;" ::"r"(addr), "h"(v) : "memory");
}

__device__ __forceinline__ u32 cluster_rank() {
  u32 r;
  asm volatile("mov.u32 %0, %%cluster_ctarank;" : "=r"(r));
  return r;
}

// Arrive on the mbarrier at the same smem offset in CTA `rank` of the cluster.
__device__ __forceinline__ void mbar_arrive_cluster(u64* bar, u32 rank) {
  u32 remote;
  asm volatile("mapa.shared::cluster.u32 %0, %1, %2;" : "=r"(remote) : "r"(smem_addr(bar)), "r"(rank));
  // CTA-scope release is enough (the consumer only read the stage, through wgmma, which has completed); a
  // cluster-scope release would wait for this thread's outstanding global stores on every K block.
  asm volatile("mbarrier.arrive.shared::cluster.b64 _, [%0];" ::"r"(remote) : "memory");
}

__device__ __forceinline__ void cluster_sync() {
  asm volatile("barrier.cluster.arrive.release.aligned;\nbarrier.cluster.wait.acquire.aligned;" ::: "memory");
}

#define R8(i) "+f"(d[i + 0]), "+f"(d[i + 1]), "+f"(d[i + 2]), "+f"(d[i + 3]), "+f"(d[i + 4]), "+f"(d[i + 5]), "+f"(d[i + 6]), "+f"(d[i + 7])
#define W8(i) "=f"(d[i + 0]), "=f"(d[i + 1]), "=f"(d[i + 2]), "=f"(d[i + 3]), "=f"(d[i + 4]), "=f"(d[i + 5]), "=f"(d[i + 6]), "=f"(d[i + 7])

// d (+)= A(64x32, smem) · B(BLOCK_N x32, smem)^T ; scale_d = 0 overwrites d. NAME_first is the overwriting form
// with write-only operands: the old fragment is dead to the compiler, so it is not kept alive (in registers)
// across the epilogue and the loop back edge.
#if BLOCK_N == 64
#define WGMMA_DEF(NAME, C8)  \
  __device__ __forceinline__ void NAME(float* d, u64 da, u64 db, int scale_d) {  \
    asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %34, 0;\n"  \
                 "wgmma.mma_async.sync.aligned.m64n64k32.f32." WGMMA_AB " {"  \
                 "%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18,%19,%20,%21,%22,%23,%24,"  \
                 "%25,%26,%27,%28,%29,%30,%31}, %32, %33, p, 1, 1;\n}\n"  \
                 : C8(0), C8(8), C8(16), C8(24)  \
                 : "l"(da), "l"(db), "r"(scale_d));  \
  }
#elif BLOCK_N == 128
#define WGMMA_DEF(NAME, C8)  \
  __device__ __forceinline__ void NAME(float* d, u64 da, u64 db, int scale_d) {  \
    asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n"  \
                 "wgmma.mma_async.sync.aligned.m64n128k32.f32." WGMMA_AB " {"  \
                 "%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18,%19,%20,%21,%22,%23,%24,"  \
                 "%25,%26,%27,%28,%29,%30,%31,%32,%33,%34,%35,%36,%37,%38,%39,%40,%41,%42,%43,%44,%45,%46,%47,"  \
                 "%48,%49,%50,%51,%52,%53,%54,%55,%56,%57,%58,%59,%60,%61,%62,%63}, %64, %65, p, 1, 1;\n}\n"  \
                 : C8(0), C8(8), C8(16), C8(24), C8(32), C8(40), C8(48), C8(56)  \
                 : "l"(da), "l"(db), "r"(scale_d));  \
  }
#elif BLOCK_N == 192
#define WGMMA_DEF(NAME, C8)  \
  __device__ __forceinline__ void NAME(float* d, u64 da, u64 db, int scale_d) {  \
    asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %98, 0;\n"  \
                 "wgmma.mma_async.sync.aligned.m64n192k32.f32." WGMMA_AB " {"  \
                 "%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18,%19,%20,%21,%22,%23,%24,"  \
                 "%25,%26,%27,%28,%29,%30,%31,%32,%33,%34,%35,%36,%37,%38,%39,%40,%41,%42,%43,%44,%45,%46,%47,"  \
                 "%48,%49,%50,%51,%52,%53,%54,%55,%56,%57,%58,%59,%60,%61,%62,%63,%64,%65,%66,%67,%68,%69,%70,"  \
                 "%71,%72,%73,%74,%75,%76,%77,%78,%79,%80,%81,%82,%83,%84,%85,%86,%87,%88,%89,%90,%91,%92,%93,"  \
                 "%94,%95}, %96, %97, p, 1, 1;\n}\n"  \
                 : C8(0), C8(8), C8(16), C8(24), C8(32), C8(40), C8(48), C8(56), C8(64), C8(72), C8(80), C8(88)  \
                 : "l"(da), "l"(db), "r"(scale_d));  \
  }
#endif
WGMMA_DEF(wgmma_e4m3, R8)
WGMMA_DEF(wgmma_e4m3_first, W8)

// Tie the accumulator registers to this point so the compiler cannot move their reads/writes across the
// asynchronous wgmma issue/wait.
__device__ __forceinline__ void fence_regs(float* r) {
#pragma unroll
  for (int i = 0; i < ACC_REGS; ++i) asm volatile("" : "+f"(r[i])::"memory");
}

__device__ __forceinline__ void math_barrier() { asm volatile("bar.sync 1, %0;" ::"n"(NUM_MATH_THREADS) : "memory"); }
// The 128 threads of math warpgroup `wg` (named barriers 2, 3).
__device__ __forceinline__ void wg_barrier(int wg) {
  if (wg == 0)
    asm volatile("bar.sync 2, 128;" ::: "memory");
  else
    asm volatile("bar.sync 3, 128;" ::: "memory");
}

// ---------------------------------------------------------------- output conversion
__device__ __forceinline__ u32 pack2(float lo, float hi) {
  u32 r;
#if OUT_KIND == 0
  asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
#else
  asm("cvt.rn.f16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
#endif
  return r;
}

__device__ __forceinline__ unsigned char to_e4m3(float v) {
  u16 r;
  asm("cvt.rn.satfinite.e4m3x2.f32 %0, %1, %2;" : "=h"(r) : "f"(0.0f), "f"(v));
  return (unsigned char)(r & 0xff);
}

// Store the pair (row, col), (row, col + 1) with bounds checks. `out` is row-major with leading dim ldd.
__device__ __forceinline__ void store_pair(void* out, long ldd, int row, int col, int M, int N, float v0, float v1,
                                           float out_div) {
  if (row >= M || col >= N) return;
  long idx = (long)row * ldd + col;
#if OUT_KIND == 2
  unsigned char* o = (unsigned char*)out;
  o[idx] = to_e4m3(v0 / out_div);
  if (col + 1 < N) o[idx + 1] = to_e4m3(v1 / out_div);
#else
  u16* o = (u16*)out;
  u32 p = pack2(v0, v1);
  if (col + 1 < N && ((idx & 1) == 0)) {
    *(u32*)(o + idx) = p;
  } else {
    o[idx] = (u16)(p & 0xffff);
    if (col + 1 < N) o[idx + 1] = (u16)(p >> 16);
  }
#endif
}

#if MODE != 0
#include "grouped_fp8_sm90.cuh"  // tile scheduler, epilogue and checks of the grouped modes
#endif

template <bool B>
struct BoolC {
  static constexpr bool value = B;
};

// Scales of one K block for this thread's two rows, and the smem stage they came from.
struct Scales {
  float a0, a1, b0, b1;
  int stage;
};

// ---------------------------------------------------------------- the kernel
extern "C" __global__ void __launch_bounds__(NUM_THREADS, 1)
    KERNEL_NAME(const __grid_constant__ TmaDesc map_a, const __grid_constant__ TmaDesc map_b,
                const __grid_constant__ TmaDesc map_sfa,
#if MODE == 3
                // ragged-K: the B scales [ceil(K/128), N] as a TMA map (per column and 128-row K block)
                const __grid_constant__ TmaDesc map_sfb,
#endif
                const float* __restrict__ sfb, void* __restrict__ out,
                const float* __restrict__ out_scale, float* __restrict__ split_ws, int* __restrict__ split_counters,
                int M, int N, int K, long ldd, int split_k
#if MODE == 0
                // Per-row A scales at sfa_k[row * sfa_ld + kb * sfa_kld] (sfa_kld 1 or 0; sfa_ld any, 0
                // broadcasts), filled into the stages by a producer warp (see below); null: the MN-major
                // scales of map_sfa, by TMA.
                // The B scales at sfb[n_block * sfb_ld + kb * sfb_kld] (read by the B-scale warp, SFB_SMEM;
                // without it the math threads read them K-major: sfb_ld = ceil(K/128), sfb_kld = 1).
                ,
                const float* __restrict__ sfa_k, long sfa_ld, long sfa_kld, long sfb_ld, long sfb_kld
#endif
#if MODE != 0
                // grouped: index data (m_indices / masked_m), the block list of the contiguous mode, E, the
                // output's expert stride, the overlap signal, the status word (see grouped_fp8_sm90.cuh)
                ,
                const int* __restrict__ gidx, const int* __restrict__ gmeta, int num_groups, long out_gstride,
                int* __restrict__ signal, unsigned* __restrict__ status
#endif
) {
  extern __shared__ __align__(1024) unsigned char smem_raw[];
  // 1024-byte alignment is required by the 128B swizzle atoms.
  unsigned char* smem = (unsigned char*)(((u64)smem_raw + 1023) & ~(u64)1023);
  unsigned char* smem_a = smem;
  unsigned char* smem_b = smem_a + STAGES * SMEM_A_STAGE;
  float* smem_sfa = (float*)(smem_b + STAGES * SMEM_B_STAGE);
#if MODE == 3
  // Ragged-K: per-column B scales, one BLOCK_N row per stage (TMA, 128-byte aligned: BLOCK_N * 4 % 128 == 0).
  float* smem_sfb = smem_sfa + STAGES * BLOCK_M;
  unsigned char* smem_epi = (unsigned char*)(smem_sfb + STAGES * BLOCK_N);
#else
  // SFB_SMEM_BYTES of per-stage B scales, then EPI_SMEM_BYTES of staging
  float* smem_sfbs = smem_sfa + STAGES * BLOCK_M;
  unsigned char* smem_epi = (unsigned char*)smem_sfbs + SFB_SMEM_BYTES;
  (void)smem_sfbs;
#endif
  u64* full_bar = (u64*)(smem_epi + EPI_SMEM_BYTES);
  u64* empty_bar = full_bar + STAGES;
  __shared__ int s_last;

  const int tid = threadIdx.x;
  const u32 rank = CLUSTER == 1 ? 0 : cluster_rank();
  const int num_m_blocks = (M + BLOCK_M - 1) / BLOCK_M;
  const int num_m_pairs = (num_m_blocks + CLUSTER - 1) / CLUSTER;  // m blocks handled by one cluster together
  const int num_n_blocks = (N + BLOCK_N - 1) / BLOCK_N;
  const int num_k_blocks = (K + BLOCK_K - 1) / BLOCK_K;
  const int kb_per_split = (num_k_blocks + split_k - 1) / split_k;
  const int num_tiles = num_m_pairs * num_n_blocks * split_k;  // per cluster
  const int first_tile = blockIdx.x / CLUSTER, tile_stride = gridDim.x / CLUSTER;

  if (tid == NUM_MATH_THREADS) {
    tma_prefetch_desc(&map_a);
    tma_prefetch_desc(&map_b);
    tma_prefetch_desc(&map_sfa);
#if MODE == 3
    tma_prefetch_desc(&map_sfb);
#endif
    // Empty: one arrive per math warp of every CTA the stage is shared with. Full: the TMA thread, plus the 32
    // lanes of the A-scale warp when the scales are K-major, plus lane 0 of the B-scale warp (SFB_SMEM).
#if MODE == 0
    const u32 producers = 1 + (sfa_k != nullptr ? 32 : 0) + (SFB_SMEM ? 1 : 0);
#else
    const u32 producers = 1;
#endif
    mbar_ring_init(full_bar, empty_bar, STAGES, (MULTICAST ? CLUSTER : 1) * NUM_MATH_WG * 4, producers);
  }
  if (CLUSTER > 1)
    cluster_sync();
  else
    __syncthreads();

  // tile -> (m block, n block, split); GROUP_M-row bands of m pairs for L2 reuse of B.
  auto tile_coords = [&](int tile, int& mb, int& nb, int& split) {
    split = tile % split_k;
    int mn = tile / split_k;
    int per_group = GROUP_M * num_n_blocks;
    int group = mn / per_group;
    int first_m = group * GROUP_M;
    int rows = min(num_m_pairs - first_m, GROUP_M);
    int in_group = mn % per_group;
    mb = (first_m + in_group % rows) * CLUSTER + (int)rank;
    nb = in_group / rows;
  };
  // A dense tile's M and N block and its K-block range [kb0, kb1) (its split of K).
  auto tile_span = [&](int tile, int& mb, int& nb, int& kb0, int& kb1) {
    int split;
    tile_coords(tile, mb, nb, split);
    kb0 = split * kb_per_split;
    kb1 = min(num_k_blocks, kb0 + kb_per_split);
  };
#if MODE == 3
  const GroupedSched sched{gidx, gmeta, num_groups, M, N, num_n_blocks, ldd, out_gstride, K};
#elif MODE != 0
  const GroupedSched sched{gidx, gmeta, num_groups, M, N, num_n_blocks, ldd, out_gstride};
#endif

  if (tid >= NUM_MATH_THREADS) {
    // ------------------------------------------------------------ producer warpgroup
#if NUM_MATH_WG == 2
    asm volatile("setmaxnreg.dec.sync.aligned.u32 40;");
#endif
    if (tid == NUM_MATH_THREADS) {
      int stage = 0;
      u32 phase = 0;
#if MODE == 0
      for (int tile = first_tile; tile < num_tiles; tile += tile_stride) {
        int mb, nb, kb0, kb1;
        tile_span(tile, mb, nb, kb0, kb1);
#else
      GCursor cur{};
      GTile gt;
      for (int tile = first_tile; sched.next(tile, cur, gt); tile += tile_stride) {
#if MODE == 3
        const int kb0 = 0, kb1 = gt.kblocks;  // only the expert's K blocks
#else
        const int kb0 = 0, kb1 = num_k_blocks;
#endif
#endif
        for (int kb = kb0; kb < kb1; ++kb) {
          mbar_wait(&empty_bar[stage], phase ^ 1);
#if MODE == 3
          mbar_expect_tx(&full_bar[stage], SMEM_A_STAGE + SMEM_B_STAGE + BLOCK_M * 4 + BLOCK_N * 4);
          {
            // K rows s_e + kb*128 of the K-major A [M, K] and B [N, K]; scale row (s_e + kb*128) / 128.
            const int kc = gt.k0 + kb * BLOCK_K, ks = kc / BLOCK_K;
            tma_load_2d(smem_a + stage * SMEM_A_STAGE, &map_a, &full_bar[stage], kc, gt.a_row);
            tma_load_2d(smem_b + stage * SMEM_B_STAGE, &map_b, &full_bar[stage], kc, gt.b_row);
            tma_load_2d(smem_sfa + stage * BLOCK_M, &map_sfa, &full_bar[stage], gt.sfa_col, ks);
            tma_load_2d(smem_sfb + stage * BLOCK_N, &map_sfb, &full_bar[stage], gt.b_row, ks);
          }
#elif MODE == 0
          mbar_expect_tx(&full_bar[stage], SMEM_A_STAGE + SMEM_B_STAGE + (sfa_k != nullptr ? 0 : BLOCK_M * 4));
#else
          mbar_expect_tx(&full_bar[stage], SMEM_A_STAGE + SMEM_B_STAGE + BLOCK_M * 4);
#endif
#if MODE == 3
#elif MODE == 0
          tma_load_2d(smem_a + stage * SMEM_A_STAGE, &map_a, &full_bar[stage], kb * BLOCK_K, mb * BLOCK_M);
#else
          // Grouped: A rows of the tile's expert (packed or [E*maxM] rows), B rows e*N + n of the [E*N, K] map.
          tma_load_2d(smem_a + stage * SMEM_A_STAGE, &map_a, &full_bar[stage], kb * BLOCK_K, gt.a_row);
          tma_load_2d(smem_b + stage * SMEM_B_STAGE, &map_b, &full_bar[stage], kb * BLOCK_K, gt.b_row);
          tma_load_2d(smem_sfa + stage * BLOCK_M, &map_sfa, &full_bar[stage], gt.sfa_col, kb);
#endif
#if MODE != 0
#elif !MULTICAST
          for (int h = 0; h < CLUSTER; ++h)
            tma_load_2d(smem_b + stage * SMEM_B_STAGE + h * (SMEM_B_STAGE / CLUSTER), &map_b, &full_bar[stage],
                        kb * BLOCK_K, nb * BLOCK_N + h * (BLOCK_N / CLUSTER));
#else
          // Each CTA fetches its half of the shared B tile and multicasts it to the whole cluster.
          tma_load_2d_multicast(smem_b + stage * SMEM_B_STAGE + rank * (SMEM_B_STAGE / CLUSTER), &map_b,
                                &full_bar[stage], kb * BLOCK_K, nb * BLOCK_N + rank * (BLOCK_N / CLUSTER),
                                (unsigned short)((1 << CLUSTER) - 1));
#endif
#if MODE == 0
          if (sfa_k == nullptr) tma_load_2d(smem_sfa + stage * BLOCK_M, &map_sfa, &full_bar[stage], mb * BLOCK_M, kb);
#endif
          if (++stage == STAGES) {
            stage = 0;
            phase ^= 1;
          }
        }
      }
    }
#if MODE == 0
    else if (sfa_k != nullptr && tid >= NUM_MATH_THREADS + 32 && tid < NUM_MATH_THREADS + 64) {
      // Per-row A scales, K-major (the contract's default) or broadcast over K (bmmFp8's per-tensor / per-row
      // scales): TMA cannot fetch one 4-byte column per row (its boxes are >= 16 bytes wide), and a gather
      // kernel to MN-major is one more launch per call (host time). This warp walks the same tiles and
      // K blocks as the TMA thread and fills each stage's BLOCK_M scales with plain loads (0 past M); every
      // lane arrives on the stage's full barrier after its own stores.
      const int lane = tid % 32;
      int stage = 0;
      u32 phase = 0;
      for (int tile = first_tile; tile < num_tiles; tile += tile_stride) {
        int mb, nb, kb0, kb1;
        tile_span(tile, mb, nb, kb0, kb1);
        for (int kb = kb0; kb < kb1; ++kb) {
          mbar_wait(&empty_bar[stage], phase ^ 1);
          float* dst = smem_sfa + stage * BLOCK_M;
          // sfa_kld is 1 (K-major, the contract's default) or 0 (one scale per row for every K block: bmmFp8's
          // broadcast per-tensor / per-row scales); any other stride is gathered by the launcher. (A general
          // K stride here pushed the 128x128 instantiation into spills.)
          const int kk = sfa_kld == 0 ? 0 : kb;
#pragma unroll
          for (int r = lane; r < BLOCK_M; r += 32) {
            const int row = mb * BLOCK_M + r;
            dst[r] = row < M ? __ldg(sfa_k + (long)row * sfa_ld + kk) : 0.0f;
          }
          mbar_arrive(&full_bar[stage]);
          if (++stage == STAGES) {
            stage = 0;
            phase ^= 1;
          }
        }
      }
    }
#if SFB_SMEM
    else if (tid >= NUM_MATH_THREADS + 64 && tid < NUM_MATH_THREADS + 96) {
      // The B-scale warp: puts the tile's one or two B scales of each K block into the stage; lane 0 arrives on
      // the full barrier after its stores. Read by the math threads from global memory instead, each K block
      // waited on a load that missed L2 every 32 K blocks (13.5 % of the samples of 4096x7168x16384) and, at
      // small M where a K block is a few wgmmas, on that load's latency every K block. The lanes load 32 K
      // blocks' scales at once and hand them out by shuffle, up to STAGES K blocks ahead of the math threads.
      const int lane = tid % 32;
      const int num_sb_blk = (N + 127) / 128;
      int stage = 0;
      u32 phase = 0;
      for (int tile = first_tile; tile < num_tiles; tile += tile_stride) {
        int mb, nb, kb0, kb1;
        tile_span(tile, mb, nb, kb0, kb1);
        const int blk0 = nb * BLOCK_N / 128;
        // 32-bit element offsets of the tile's two scale rows (the producer warps run on 40 registers)
        const int o0 = blk0 * (int)sfb_ld, o1 = min(blk0 + 1, num_sb_blk - 1) * (int)sfb_ld;
        float b0_batch = 0.f, b1_batch = 0.f;
        for (int kb = kb0; kb < kb1; ++kb) {
          if ((kb - kb0) % 32 == 0) {
            const int kl = min(kb + lane, kb1 - 1);
            b0_batch = __ldg(sfb + o0 + kl * (int)sfb_kld);
            b1_batch = __ldg(sfb + o1 + kl * (int)sfb_kld);
          }
          const float b0 = __shfl_sync(0xffffffffu, b0_batch, (kb - kb0) % 32);
          const float b1 = __shfl_sync(0xffffffffu, b1_batch, (kb - kb0) % 32);
          mbar_wait(&empty_bar[stage], phase ^ 1);
          if (lane == 0) {
            smem_sfbs[stage * 4 + 0] = b0;
            smem_sfbs[stage * 4 + 1] = b1;
            mbar_arrive(&full_bar[stage]);
          }
          if (++stage == STAGES) {
            stage = 0;
            phase ^= 1;
          }
        }
      }
    }
#endif
#endif
#if MODE != 0
    // An idle producer thread of CTA 0 checks the index data once and raises the status flags.
#if MODE == 3
    if (blockIdx.x == 0 && tid == NUM_MATH_THREADS + 32) grouped_validate(gidx, num_groups, K, status);
#else
    if (blockIdx.x == 0 && tid == NUM_MATH_THREADS + 32) grouped_validate(gidx, num_groups, M, status);
#endif
#endif
  } else {
    // ------------------------------------------------------------ math warpgroups
#if NUM_MATH_WG == 2
    asm volatile("setmaxnreg.inc.sync.aligned.u32 232;");
#endif
    const int wg = tid / 128;
    const int warp = (tid % 128) / 32;
    const int lane = tid % 32;
    const int row_in_tile = wg * 64 + warp * 16 + lane / 4;  // and +8
    const float out_div = (OUT_KIND == 2 && out_scale != nullptr) ? __ldg(out_scale) : 1.0f;
#if EPI_SMEM
    // Bulk copies need 16-byte aligned rows: N and ldd in whole 16-byte units and an aligned base. (A function
    // of the kernel arguments, re-evaluated where used rather than held in a register across the main loop.)
    auto bulk_epilogue = [&]() {
      return (N * OUT_BYTES) % 16 == 0 && (ldd * OUT_BYTES) % 16 == 0 && ((u64)out & 15) == 0;
    };
#endif

    float acc[ACC_REGS];
    float pa[ACC_REGS];
#if DOUBLE_BUFFER
    float pb[ACC_REGS];
#endif
    int stage = 0;
    u32 phase = 0;
    const int num_sb_blk = (N + 127) / 128;

    // Where one tile's B scales live: the (at most two) 128-wide scale blocks its columns span.
    struct SfbRows {
      const float* r0;
      const float* r1;
    };
    auto sfb_rows = [&](int nb_, int group_) {
      const int blk0 = nb_ * BLOCK_N / 128;
      const float* base = sfb + (long)group_ * num_sb_blk * num_k_blocks;  // grouped: [E][ceil(N/128)][kb]
      return SfbRows{base + (long)blk0 * num_k_blocks, base + (long)min(blk0 + 1, num_sb_blk - 1) * num_k_blocks};
    };

    // Take the next smem stage for K block `kb`: its B scales (global, loaded before the wait so the load
    // overlaps it) and the stage, once the TMA data has landed. (Prefetching the B scales into L1 16 blocks
    // ahead made the 4096x7168x16384 GEMM 33 % slower: not done.)
#if SFB_AHEAD
    float nb0 = 0.f, nb1 = 0.f;  // B scales of the K block after the last one acquired
#endif
    auto acquire = [&](int kb, Scales& sc, const SfbRows& rows, bool first) {
#if SFB_AHEAD
      if (first) {
        sc.b0 = __ldg(rows.r0 + kb);
        sc.b1 = __ldg(rows.r1 + kb);
      } else {
        sc.b0 = nb0;
        sc.b1 = nb1;
      }
      const int kn = min(kb + 1, num_k_blocks - 1);
      nb0 = __ldg(rows.r0 + kn);
      nb1 = __ldg(rows.r1 + kn);
#elif MODE == 3 || SFB_SMEM
      (void)first, (void)kb, (void)rows;  // the B scales come through shared memory (see finish / read_sa)
#else
      (void)first;
      sc.b0 = __ldg(rows.r0 + kb);
      sc.b1 = __ldg(rows.r1 + kb);
#endif
      sc.stage = stage;
      mbar_wait(&full_bar[stage], phase);
#if SFB_SMEM
      {
        const float2 b = *(const float2*)(smem_sfbs + stage * 4);  // what the B-scale warp put in the stage
        sc.b0 = b.x;
        sc.b1 = b.y;
      }
#endif
      if (++stage == STAGES) {
        stage = 0;
        phase ^= 1;
      }
    };
    // Issue the wgmmas of one K block into `p`, asynchronously. The first one overwrites `p` and takes it as
    // write-only: the old fragment is dead to the compiler.
    auto issue_part = [&](float* p, const Scales& sc) {
      const unsigned char* a_tile = smem_a + sc.stage * SMEM_A_STAGE + wg * 64 * BLOCK_K;
      const unsigned char* b_tile = smem_b + sc.stage * SMEM_B_STAGE;
      wgmma_fence();
      wgmma_e4m3_first(p, smem_desc(a_tile), smem_desc(b_tile), 0);
#pragma unroll
      for (int k = 1; k < BLOCK_K / 32; ++k) wgmma_e4m3(p, smem_desc(a_tile + k * 32), smem_desc(b_tile + k * 32), 1);
      wgmma_commit();
      fence_regs(p);
    };
    // The A scales of the stage (read while the tensor cores run).
    auto read_sa = [&](Scales& sc) {
      const float* sa = smem_sfa + sc.stage * BLOCK_M;
      sc.a0 = sa[row_in_tile];
      sc.a1 = sa[row_in_tile + 8];

    };
    // One K block's wgmmas into `p` and its scales.
    auto issue = [&](float* p, int kb, Scales& sc, const SfbRows& rows, bool first = false) {
      acquire(kb, sc, rows, first);
      issue_part(p, sc);
      read_sa(sc);
    };

    Scales sa_;
#if DOUBLE_BUFFER
    Scales sb_;
#endif

#if MODE == 0
    // The end of a dense tile: split-K partials / reduction, then the output store. With EARLY_ISSUE this runs
    // for the previous tile after the next tile's first wgmmas were issued, so the tensor cores keep working;
    // no wgmma is in flight across the tile loop's back edge.
    // `with_split` = false compiles the split-K part out: with the next tile's `pa` in flight it would not fit
    // in registers, so split-K launches write each tile out before issuing the next (see the tile loop).
    auto epilogue = [&](int t, auto with_split) {
      int mb, nb, split;
      tile_coords(t, mb, nb, split);
      const int col0 = nb * BLOCK_N;
      if (decltype(with_split)::value && split_k > 1) {
        // Write this split's partial, then let the last split of the tile reduce in split order.
        const int mn = t / split_k;
        float* ws_tile = split_ws + (long)mn * split_k * NUM_MATH_THREADS * ACC_REGS;
        float4* mine = (float4*)(ws_tile + ((long)split * NUM_MATH_THREADS + tid) * ACC_REGS);
#pragma unroll
        for (int i = 0; i < ACC_REGS; i += 4)
          __stcg(mine + i / 4, make_float4(acc[i], acc[i + 1], acc[i + 2], acc[i + 3]));
        __threadfence();
        math_barrier();
        if (tid == 0) {
          int prev = atomicAdd(&split_counters[mn], 1);
          s_last = (prev == split_k - 1);
          if (s_last) split_counters[mn] = 0;  // re-arm for the next launch
        }
        math_barrier();
        if (!s_last) return;
        __threadfence();
#pragma unroll
        for (int i = 0; i < ACC_REGS; ++i) acc[i] = 0.f;
#pragma unroll 1
        for (int s = 0; s < split_k; ++s) {
          const float4* src = (const float4*)(ws_tile + ((long)s * NUM_MATH_THREADS + tid) * ACC_REGS);
#pragma unroll
          for (int i = 0; i < ACC_REGS; i += 4) {
            float4 v = __ldcg(src + i / 4);
            acc[i] += v.x;
            acc[i + 1] += v.y;
            acc[i + 2] += v.z;
            acc[i + 3] += v.w;
          }
        }
      }
      // Accumulator fragment layout of wgmma m64nN: reg 4j+{0,1} -> (row, 8j + 2*(lane%4) + {0,1}),
      // reg 4j+{2,3} -> (row + 8, same cols).
#if EPI_SMEM
      // Stage the warpgroup's 64 rows in shared memory, then its first 64 threads each copy one row to global
      // memory with an asynchronous bulk copy: whole 16-byte-aligned lines instead of 4-byte stores scattered
      // over 8 rows (the stores' LSU backpressure stalled the math warps), and no wait for their completion.
      if (bulk_epilogue()) {
        const int tw = tid % 128;
        unsigned char* stg = smem_epi + wg * 64 * EPI_PITCH;
        if (tw < 64) bulk_wait_read();  // the previous tile's copies are done with the staging rows
        wg_barrier(wg);
        // 32-bit shared addresses with constant offsets per j (generic 64-bit pointers cost registers).
        const u32 base = smem_addr(stg) + (warp * 16 + lane / 4) * EPI_PITCH + (lane % 4) * 2 * OUT_BYTES;
#pragma unroll
        for (int j = 0; j < BLOCK_N / 8; ++j) {
#if OUT_KIND == 2
          const u16 v0 = (u16)to_e4m3(acc[4 * j + 0] / out_div) | ((u16)to_e4m3(acc[4 * j + 1] / out_div) << 8);
          const u16 v1 = (u16)to_e4m3(acc[4 * j + 2] / out_div) | ((u16)to_e4m3(acc[4 * j + 3] / out_div) << 8);
          st_shared_u16(base + j * 8, v0);
          st_shared_u16(base + 8 * EPI_PITCH + j * 8, v1);
#else
          st_shared_u32(base + j * 16, pack2(acc[4 * j + 0], acc[4 * j + 1]));
          st_shared_u32(base + 8 * EPI_PITCH + j * 16, pack2(acc[4 * j + 2], acc[4 * j + 3]));
#endif
        }
        fence_proxy_async();
        wg_barrier(wg);
        if (tw < 64) {
          const int grow = mb * BLOCK_M + wg * 64 + tw;
          if (grow < M) {
            const u32 bytes = (u32)(min(BLOCK_N, N - col0) * OUT_BYTES);
            bulk_store((unsigned char*)out + ((long)grow * ldd + col0) * OUT_BYTES, stg + tw * EPI_PITCH, bytes);
          }
          bulk_commit();
        }
        return;
      }
#endif
      const int row = mb * BLOCK_M + row_in_tile;
#pragma unroll
      for (int j = 0; j < BLOCK_N / 8; ++j) {
        const int col = col0 + j * 8 + (lane % 4) * 2;
        store_pair(out, ldd, row, col, M, N, acc[4 * j + 0], acc[4 * j + 1], out_div);
        store_pair(out, ldd, row + 8, col, M, N, acc[4 * j + 2], acc[4 * j + 3], out_div);
      }
    };
#if EARLY_ISSUE
    int prev_tile = -1;  // the tile whose epilogue is still due
#endif

    for (int tile = first_tile; tile < num_tiles; tile += tile_stride) {
      int mb, nb, kb0, kb1;
      tile_span(tile, mb, nb, kb0, kb1);
      const SfbRows rows = sfb_rows(nb, 0);
#else
    GCursor cur{};
    GTile gt;
    for (int tile = first_tile; sched.next(tile, cur, gt); tile += tile_stride) {
#if MODE == 3
      const int kb0 = 0, kb1 = gt.kblocks;
#else
      const int kb0 = 0, kb1 = num_k_blocks;
#endif
      const int nb = gt.nb;
      const SfbRows rows = sfb_rows(nb, gt.group);
#endif
      // A tile of BLOCK_N columns spans at most two 128-wide B scale blocks; columns below `split_col` use the
      // first one.
      const int col0 = nb * BLOCK_N;
      const int split_col = min(BLOCK_N, (col0 / 128 + 1) * 128 - col0);

      // After the wgmmas into `p` completed: free their smem stage, then promote into f32 with the scales.
      auto finish = [&](float* p, const Scales& sc) {
        fence_regs(p);
#if MODE == 3
        // Per-column B scales of the stage (columns 8j + 2*(lane%4) + {0,1}), read before the stage is freed.
        const float* sbc = smem_sfb + sc.stage * BLOCK_N + (lane % 4) * 2;
#pragma unroll
        for (int j = 0; j < BLOCK_N / 8; ++j) {
          // Volatile load at its use: a plain load lets the compiler hoist all 16 pairs ahead of the FMAs,
          // which (with acc, pa and pb live) spilled.
          float2 sb;
          asm volatile("ld.shared.v2.f32 {%0, %1}, [%2];" : "=f"(sb.x), "=f"(sb.y) : "r"(smem_addr(sbc + j * 8)));
          acc[4 * j + 0] += (sc.a0 * sb.x) * p[4 * j + 0];
          acc[4 * j + 1] += (sc.a0 * sb.y) * p[4 * j + 1];
          acc[4 * j + 2] += (sc.a1 * sb.x) * p[4 * j + 2];
          acc[4 * j + 3] += (sc.a1 * sb.y) * p[4 * j + 3];
        }
        __syncwarp();  // every lane has read the scales before lane 0 frees the stage
        if (lane == 0) mbar_arrive(&empty_bar[sc.stage]);
        (void)split_col;
#else
        const float sb0 = sc.b0, sb1 = sc.b1;
        if (lane == 0) {
          mbar_arrive(&empty_bar[sc.stage]);
#if MULTICAST
          for (u32 r = 0; r < CLUSTER; ++r)
            if (r != rank) mbar_arrive_cluster(&empty_bar[sc.stage], r);
#endif
        }
#pragma unroll
        for (int j = 0; j < BLOCK_N / 8; ++j) {
          const float sb = (j * 8 < split_col) ? sb0 : sb1;
          const float s0 = sc.a0 * sb, s1 = sc.a1 * sb;
          acc[4 * j + 0] += s0 * p[4 * j + 0];
          acc[4 * j + 1] += s0 * p[4 * j + 1];
          acc[4 * j + 2] += s1 * p[4 * j + 2];
          acc[4 * j + 3] += s1 * p[4 * j + 3];
        }
#endif
      };

      const int n = kb1 - kb0;
#if EARLY_ISSUE
      if (split_k > 1 && prev_tile >= 0) {  // split-K: no overlap (few tiles per CTA anyway)
        epilogue(prev_tile, BoolC<true>{});
        prev_tile = -1;
      }
#endif
      if (n <= 0) {
#if EARLY_ISSUE
        if (prev_tile >= 0) epilogue(prev_tile, BoolC<false>{});
#endif
#pragma unroll
        for (int i = 0; i < ACC_REGS; ++i) acc[i] = 0.f;
      } else {
        issue(pa, kb0, sa_, rows, true);
#if EARLY_ISSUE
        if (prev_tile >= 0) epilogue(prev_tile, BoolC<false>{});  // while the tensor cores run this tile's first K block
#endif
#pragma unroll
        for (int i = 0; i < ACC_REGS; ++i) acc[i] = 0.f;
#if DOUBLE_BUFFER
        // Two partial fragments: the tensor cores work on block i+1 while block i is promoted.
        int i = 1;
        for (; i + 1 < n; i += 2) {
          issue(pb, kb0 + i, sb_, rows);
          wgmma_wait1();
          finish(pa, sa_);
          issue(pa, kb0 + i + 1, sa_, rows);
          wgmma_wait1();
          finish(pb, sb_);
        }
        if (i < n) {
          issue(pb, kb0 + i, sb_, rows);
          wgmma_wait1();
          finish(pa, sa_);
          wgmma_wait0();
          finish(pb, sb_);
        } else {
          wgmma_wait0();
          finish(pa, sa_);
        }
#else
        for (int i = 0; i < n; ++i) {
          if (i > 0) issue(pa, kb0 + i, sa_, rows);
          wgmma_wait0();
          finish(pa, sa_);
        }
#endif
      }

#if MODE == 0
#if EARLY_ISSUE
      prev_tile = tile;
#else
      epilogue(tile, BoolC<true>{});
#endif
#elif MODE == 3
      ragged_k_epilogue((float*)out, ldd, N, gt, row_in_tile, col0, lane, acc);
#else
      grouped_epilogue(out, ldd, N, gt, sched, row_in_tile, col0, lane, acc, out_div, signal, tid);
#endif
    }
#if EARLY_ISSUE
    if (prev_tile >= 0) epilogue(prev_tile, BoolC<true>{});
#endif
#if EPI_SMEM
    if (bulk_epilogue() && tid % 128 < 64) bulk_wait_all();  // shared memory must outlive the copies
#endif
  }
  // No CTA may leave while a cluster peer can still multicast into its shared memory or arrive on its barriers.
  if (CLUSTER > 1) cluster_sync();
}

#ifndef SM90_NO_SCALE_GATHER
// Scale-layout transform used by the launcher: dst[i * dst_row + j * dst_col] = src[(i / group) * src_row +
// j * src_col] for i < rows_pad, j < cols (0 for i >= rows). Turns K-major or MN-major, per-row or per-128-row
// A scales into the MN-major, TMA-aligned layout the GEMM reads, and B scales into K-major.
extern "C" __global__ void sm90_scale_gather(const float* __restrict__ src, float* __restrict__ dst, int rows,
                                             int rows_pad, int cols, int group, long src_row, long src_col,
                                             long dst_row, long dst_col) {
  long idx = (long)blockIdx.x * blockDim.x + threadIdx.x;
  if (idx >= (long)rows_pad * cols) return;
  int i = (int)(idx % rows_pad), j = (int)(idx / rows_pad);
  dst[i * dst_row + j * dst_col] = i < rows ? src[(i / group) * src_row + j * src_col] : 0.0f;
}
#endif
