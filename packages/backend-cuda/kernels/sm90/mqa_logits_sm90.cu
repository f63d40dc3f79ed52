// Hopper (sm_90a) lightning indexer (DeepSeek-V3.2): fp8PagedMqaLogits (MODE 0, decode) and fp8MqaLogits
// (MODE 1, prefill, non-paged). logit(i, j) = sum_h w[i, h] * relu(scale_j * <q[i, h, :], k_j>), D = 128.
//
// One GEMM per 64-token KV tile: wgmma m64nNk32 (e4m3 x e4m3 -> f32) with A = the tile's 64 keys (K-major,
// 128B-swizzled, 4 k-steps over D) and B = a "query block" of N = NQ * HEADS rows (NQ query rows x all heads:
// decode: the nextN draft tokens of one sequence; prefill: NQ consecutive query rows). The per-token scale,
// ReLU, head weight and the sum over heads run on the accumulator registers; the sum over a row's heads is a
// quad butterfly (a thread holds 2 columns of every 8). See docs/indexer.md.
//
// Structure:
//  * 3 warpgroups: WG0/WG1 math (224 registers), WG2 = producer warp + 3 "fill" warps (56 registers).
//  * the producer warp walks this CTA's work (decode: its [meta[i], meta[i+1]) range of (sequence, split)
//    work items from getPagedMqaLogitsMetadata, 4 pages per split; prefill: query blocks i, i + grid, ...),
//    turns it into a stream of 64-token tiles and TMA-loads each tile (keys + f32 scales) into a STAGES-deep
//    ring (full/empty mbarriers). Tile k goes to math WG k % 2, so the two WGs overlap MMA and epilogue.
//    Query block + weights are TMA-loaded into one of 2 Q slots (qfull/qempty mbarriers) per segment
//    (decode: a sequence's splits on this CTA; prefill: one query block); segments have an even tile count
//    (padded with a no-op tile) so both WGs see, and release, every segment.
//  * block-table entries are fetched 32 at a time by the producer warp's lanes and shuffled to lane 0.
//  * the fill warps write -inf (cleanLogits) to the positions no tile covers (decode: past the last split of
//    a sequence; prefill: outside the union of the block's key ranges) and check context lengths.
// Bad index data never causes an out-of-bounds access: pages with an id outside the cache / past the block
// table are not loaded (their positions get -inf or stay untouched) and the status word gets a bit.


#ifndef MODE  // 0 = paged decode (fp8PagedMqaLogits), 1 = non-paged prefill (fp8MqaLogits)
#define MODE 0
#endif
#ifndef HEADS
#define HEADS 64
#endif
#ifndef NQ  // query rows per block: nextN (decode) or 256 / HEADS (prefill)
#define NQ 1
#endif
#ifndef BLOCK_KV  // tokens per KV page (decode): 32 or 64; prefill tiles are always 64 tokens
#define BLOCK_KV 64
#endif
#ifndef STAGES
#define STAGES 12
#endif
#ifndef KERNEL_NAME
#define KERNEL_NAME mqa_logits_sm90
#endif

#define GK_D 128
#define GK_N (NQ * HEADS)
#define ACC (GK_N / 2)
#define TILE 64
#define KV_STAGE (TILE * GK_D)
#define Q_SLOT (GK_N * GK_D)
#define W_SLOT (((GK_N * 4) + 127) / 128 * 128)
#define SPLIT_PAGES 4
#define SPLIT_TOKENS (SPLIT_PAGES * BLOCK_KV)
#define TILES_PER_SPLIT (SPLIT_TOKENS / TILE)
#define NUM_THREADS 384
#define FILL_THREADS 96

#define F_HALF0 1
#define F_HALF1 2
#define F_END 4
#define F_NOWRITE 8

static_assert(HEADS == 8 || HEADS == 16 || HEADS == 32 || HEADS == 64, "HEADS is 8, 16, 32 or 64");
static_assert(GK_N == 8 || GK_N == 16 || GK_N == 32 || GK_N == 64 || GK_N == 128 || GK_N == 256,
              "NQ * HEADS must be a wgmma N in {8, ..., 256} (power of two)");
static_assert(BLOCK_KV == 32 || BLOCK_KV == 64, "BLOCK_KV is 32 or 64");
static_assert(STAGES % 2 == 0, "STAGES is even (stage s always feeds math WG s % 2)");
static_assert(NQ <= 32, "NQ <= 32 (one producer lane per query row)");

#include "../common/status.cuh"  // GK_STATUS_* bits and gk_raise (relative: the benchmark builds this file too)

#include "hopper.cuh"  // TMA, mbarriers, wgmma descriptors (shared with the other sm90 kernels)

// Per stage: first token position of the tile, its Q segment, flags (F_*).
struct TileInfo {
  int pos0, qseg, flags, pad;
};
// Per Q slot: first output row, rows present, visible range [lo, hi) of each row.
struct QInfo {
  int row0, nrows, lo[NQ], hi[NQ];
};

__device__ __forceinline__ void fence_regs(float* r) {
#pragma unroll
  for (int i = 0; i < ACC; ++i) asm volatile("" : "+f"(r[i])::"memory");
}

// d (+)= A(64 x 32, smem) . B(N x 32, smem)^T; scale_d = 0 overwrites d.
__device__ __forceinline__ void wgmma_e4m3(float* d, u64 da, u64 db, int scale_d) {
#if GK_N == 8
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %6, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n8k32.f32.e4m3.e4m3 "
      "{%0,%1,%2,%3}, %4, %5, p, 1, 1;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "l"(da), "l"(db), "r"(scale_d));
#elif GK_N == 16
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %10, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n16k32.f32.e4m3.e4m3 "
      "{%0,%1,%2,%3,%4,%5,%6,%7}, %8, %9, p, 1, 1;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7])
      : "l"(da), "l"(db), "r"(scale_d));
#elif GK_N == 32
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %18, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n32k32.f32.e4m3.e4m3 "
      "{%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15}, %16, %17, p, 1, 1;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15])
      : "l"(da), "l"(db), "r"(scale_d));
#elif GK_N == 64
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %34, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n64k32.f32.e4m3.e4m3 "
      "{%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26,%27,%28,%29,%30,%31}, %32, %33, p, 1, 1;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31])
      : "l"(da), "l"(db), "r"(scale_d));
#elif GK_N == 128
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n128k32.f32.e4m3.e4m3 "
      "{%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26,%27,%28,%29,%30,%31,%32,%33,%34,%35,%36,%37,%38,%39,%40,%41,%42,%43,%44,%45,%46,%47,%48,%49,%50,%51,%52,%53,%54,%55,%56,%57,%58,%59,%60,%61,%62,%63}, %64, %65, p, 1, 1;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
      : "l"(da), "l"(db), "r"(scale_d));
#elif GK_N == 256
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %130, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n256k32.f32.e4m3.e4m3 "
      "{%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26,%27,%28,%29,%30,%31,%32,%33,%34,%35,%36,%37,%38,%39,%40,%41,%42,%43,%44,%45,%46,%47,%48,%49,%50,%51,%52,%53,%54,%55,%56,%57,%58,%59,%60,%61,%62,%63,%64,%65,%66,%67,%68,%69,%70,%71,%72,%73,%74,%75,%76,%77,%78,%79,%80,%81,%82,%83,%84,%85,%86,%87,%88,%89,%90,%91,%92,%93,%94,%95,%96,%97,%98,%99,%100,%101,%102,%103,%104,%105,%106,%107,%108,%109,%110,%111,%112,%113,%114,%115,%116,%117,%118,%119,%120,%121,%122,%123,%124,%125,%126,%127}, %128, %129, p, 1, 1;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63]), "+f"(d[64]), "+f"(d[65]), "+f"(d[66]), "+f"(d[67]), "+f"(d[68]), "+f"(d[69]), "+f"(d[70]), "+f"(d[71]), "+f"(d[72]), "+f"(d[73]), "+f"(d[74]), "+f"(d[75]), "+f"(d[76]), "+f"(d[77]), "+f"(d[78]), "+f"(d[79]), "+f"(d[80]), "+f"(d[81]), "+f"(d[82]), "+f"(d[83]), "+f"(d[84]), "+f"(d[85]), "+f"(d[86]), "+f"(d[87]), "+f"(d[88]), "+f"(d[89]), "+f"(d[90]), "+f"(d[91]), "+f"(d[92]), "+f"(d[93]), "+f"(d[94]), "+f"(d[95]), "+f"(d[96]), "+f"(d[97]), "+f"(d[98]), "+f"(d[99]), "+f"(d[100]), "+f"(d[101]), "+f"(d[102]), "+f"(d[103]), "+f"(d[104]), "+f"(d[105]), "+f"(d[106]), "+f"(d[107]), "+f"(d[108]), "+f"(d[109]), "+f"(d[110]), "+f"(d[111]), "+f"(d[112]), "+f"(d[113]), "+f"(d[114]), "+f"(d[115]), "+f"(d[116]), "+f"(d[117]), "+f"(d[118]), "+f"(d[119]), "+f"(d[120]), "+f"(d[121]), "+f"(d[122]), "+f"(d[123]), "+f"(d[124]), "+f"(d[125]), "+f"(d[126]), "+f"(d[127])
      : "l"(da), "l"(db), "r"(scale_d));
#endif
}

#define FULL_MASK 0xffffffffu
#define MISC_BYTES 2048
static_assert(STAGES <= 16, "the misc area holds at most 16 stages");
// Dynamic shared memory the launcher must pass (the extra 1024 aligns the swizzled tiles).
#define GK_SMEM_BYTES (1024 + 2 * Q_SLOT + STAGES * (KV_STAGE + TILE * 4) + 2 * W_SLOT + MISC_BYTES)

__device__ __forceinline__ int warp_min(int v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v = min(v, __shfl_xor_sync(FULL_MASK, v, o));
  return v;
}
__device__ __forceinline__ int warp_max(int v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v = max(v, __shfl_xor_sync(FULL_MASK, v, o));
  return v;
}

// Prefill: key range [lo, hi) of query row `row`, clamped into [0, width] (bad = it needed clamping).
__device__ __forceinline__ void row_range(const int* ks, const int* ke, int row, int width, int& lo, int& hi,
                                          bool& bad) {
  lo = __ldg(ks + row);
  hi = __ldg(ke + row);
  bad = lo < 0 || hi < lo || hi > width;
  lo = lo < 0 ? 0 : (lo > width ? width : lo);
  hi = hi < lo ? lo : (hi > width ? width : hi);
}

// Decode: scheduling length of sequence b (1-D: ctx[b]; 2-D: max_t ctx[b, t]; negative as 0) and the number
// of positions row (b, t) sees, clamped into [0, cap]. `bad` = a length is negative or above cap.
__device__ __forceinline__ void seq_lengths(const int* ctx, long long s0, long long s1, int two_d, int b, int t,
                                            long long cap, long long& L, long long& count, bool& bad) {
  bad = false;
  if (two_d) {
    L = 0;
    for (int u = 0; u < NQ; ++u) {
      const long long v = __ldg(ctx + b * s0 + u * s1);
      L = v > L ? v : L;
      if (u == t) {
        count = v;
        bad = v < 0;
      }
    }
  } else {
    const long long v = __ldg(ctx + b * s0);
    L = v < 0 ? 0 : v;
    count = v - NQ + t + 1;
    bad = v < 0;
  }
  if (count > cap) bad = true;
  count = count < 0 ? 0 : (count > cap ? cap : count);
}

// Epilogue of one tile for this thread's two rows (tokens r0, r0 + 8): logit(t, row) = sum over the row's
// heads of w * relu(scale * acc), reduced over the quad, written by one lane of the quad. FAST (every scale of
// the warp >= 0): relu(s * x) = s * relu(x), so the scale multiplies the sum once.
template <bool FAST>
__device__ __forceinline__ void epilogue(const float* acc, const float* wsm, const QInfo* qi, float s0, float s1,
                                         int pos_a, bool ld_a, bool ld_b, int quad, int width, float* out,
                                         long long out_rs, int clean) {
  const int pos_b = pos_a + 8;
  const int row0 = qi->row0, nrows = qi->nrows;
#pragma unroll
  for (int t = 0; t < NQ; ++t) {
    float p0 = 0.f, p1 = 0.f;
#pragma unroll
    for (int jj = 0; jj < HEADS / 8; ++jj) {
      const int j = t * (HEADS / 8) + jj;
      const float2 w = *reinterpret_cast<const float2*>(wsm + 8 * j + 2 * quad);
      if (FAST) {
        p0 = fmaf(w.x, fmaxf(acc[4 * j + 0], 0.f), p0);
        p0 = fmaf(w.y, fmaxf(acc[4 * j + 1], 0.f), p0);
        p1 = fmaf(w.x, fmaxf(acc[4 * j + 2], 0.f), p1);
        p1 = fmaf(w.y, fmaxf(acc[4 * j + 3], 0.f), p1);
      } else {
        p0 = fmaf(w.x, fmaxf(acc[4 * j + 0] * s0, 0.f), p0);
        p0 = fmaf(w.y, fmaxf(acc[4 * j + 1] * s0, 0.f), p0);
        p1 = fmaf(w.x, fmaxf(acc[4 * j + 2] * s1, 0.f), p1);
        p1 = fmaf(w.y, fmaxf(acc[4 * j + 3] * s1, 0.f), p1);
      }
    }
    if (FAST) {
      p0 *= s0;
      p1 *= s1;
    }
    p0 += __shfl_xor_sync(FULL_MASK, p0, 1);
    p0 += __shfl_xor_sync(FULL_MASK, p0, 2);
    p1 += __shfl_xor_sync(FULL_MASK, p1, 1);
    p1 += __shfl_xor_sync(FULL_MASK, p1, 2);
    if (t < nrows) {
      const int lo = qi->lo[t], hi = qi->hi[t];
      float* orow = out + (long long)(row0 + t) * out_rs;
      if (quad == ((2 * t) & 3) && pos_a < width) {
        if (ld_a && pos_a >= lo && pos_a < hi)
          orow[pos_a] = p0;
        else if (clean)
          orow[pos_a] = -__int_as_float(0x7f800000);
      }
      if (quad == ((2 * t + 1) & 3) && pos_b < width) {
        if (ld_b && pos_b >= lo && pos_b < hi)
          orow[pos_b] = p1;
        else if (clean)
          orow[pos_b] = -__int_as_float(0x7f800000);
      }
    }
  }
}

// Decode (MODE 0): idx0 = context lengths ([B] or [B, nextN], element strides idx_s0/idx_s1, two_d), batch = B,
// width = maxContextLen, meta = the [grid + 1, 2] schedule. Maps: q [B*nextN*H, D] u8 (box N x 128, 128B
// swizzle), w [B*nextN, H] f32 (box NQ x H), kv [numBlocks, BLOCK_KV, D] u8 with the page stride (box
// 1 x BLOCK_KV x 128, 128B swizzle), ks [numBlocks, BLOCK_KV] f32 at page + BLOCK_KV*D (box 1 x BLOCK_KV).
// Prefill (MODE 1): idx0/idx1 = per-row key start/end, batch = S, width = SKv; maps q [S*H, D], w [S, H],
// kv [SKv, D] (box 64 x 128), ks [1, SKv] (box 1 x 64). Grid: decode = meta rows - 1; prefill any (persistent).
extern "C" __global__ void __launch_bounds__(NUM_THREADS, 1)
    KERNEL_NAME(const __grid_constant__ TmaDesc map_q, const __grid_constant__ TmaDesc map_w,
                const __grid_constant__ TmaDesc map_kv, const __grid_constant__ TmaDesc map_ks,
                const int* __restrict__ idx0, const int* __restrict__ idx1, long long idx_s0, long long idx_s1,
                int two_d, const int* __restrict__ table, long long table_rs, int max_blocks, int num_blocks,
                const int* __restrict__ meta, int batch, int next_n, int width, float* __restrict__ out,
                long long out_rs, int clean, unsigned* __restrict__ status) {
  extern __shared__ __align__(1024) unsigned char smem_raw[];
  unsigned char* smem = (unsigned char*)(((u64)smem_raw + 1023) & ~(u64)1023);
  unsigned char* sq = smem;                                     // 2 Q slots, N x 128 B each (swizzled)
  unsigned char* skv = sq + 2 * Q_SLOT;                         // STAGES x 64 keys x 128 B (swizzled)
  float* sscale = (float*)(skv + STAGES * KV_STAGE);            // STAGES x 64 scales
  unsigned char* sw = (unsigned char*)(sscale + STAGES * TILE);  // 2 weight slots, NQ x H f32
  unsigned char* misc = sw + 2 * W_SLOT;
  QInfo* sqi = (QInfo*)misc;
  TileInfo* sti = (TileInfo*)(misc + 640);
  u64* full_bar = (u64*)(misc + 1024);
  u64* empty_bar = full_bar + STAGES;
  u64* qfull = empty_bar + STAGES;
  u64* qempty = qfull + 2;
  static_assert(2 * sizeof(QInfo) <= 640 && STAGES * sizeof(TileInfo) <= 384, "misc layout");

  const int tid = threadIdx.x;
  const int lane = tid % 32;
  if (tid == 256) {
    tma_prefetch_desc(&map_q);
    tma_prefetch_desc(&map_w);
    tma_prefetch_desc(&map_kv);
    tma_prefetch_desc(&map_ks);
    for (int s = 0; s < STAGES; ++s) {
      mbar_init(&full_bar[s], 1);
      mbar_init(&empty_bar[s], 4);  // one arrive per warp of the consuming math WG
    }
    for (int s = 0; s < 2; ++s) {
      mbar_init(&qfull[s], 1);
      mbar_init(&qempty[s], 8);  // every warp of both math WGs
    }
    asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
  }
  __syncthreads();
  const long long cap = MODE == 0 ? ((long long)max_blocks * BLOCK_KV < width ? (long long)max_blocks * BLOCK_KV
                                                                              : (long long)width)
                                  : (long long)width;

  if (tid >= 256) {
    asm volatile("setmaxnreg.dec.sync.aligned.u32 56;");
    if (tid < 288) {
      // ------------------------------------------------------------ producer warp
      int k = 0;      // tiles pushed (lane 0)
      int qseg = -1;  // Q segments begun
      auto push_tile = [&](int pos0, int flags, int pg0, int pg1) {  // lane 0
        const int st = k % STAGES;
        mbar_wait(&empty_bar[st], ((k / STAGES) & 1) ^ 1);
        sti[st] = TileInfo{pos0, qseg, flags, 0};
        u32 bytes = 0;
        if (MODE == 0 && BLOCK_KV == 32) {
          if (flags & F_HALF0) bytes += KV_STAGE / 2 + TILE * 2;
          if (flags & F_HALF1) bytes += KV_STAGE / 2 + TILE * 2;
        } else if (flags & F_HALF0) {
          bytes = KV_STAGE + TILE * 4;
        }
        mbar_expect_tx(&full_bar[st], bytes);
        unsigned char* dk = skv + st * KV_STAGE;
        float* ds = sscale + st * TILE;
#if MODE == 0
        if (flags & F_HALF0) {
          tma_load_3d(dk, &map_kv, &full_bar[st], 0, 0, pg0);
          tma_load_2d(ds, &map_ks, &full_bar[st], 0, pg0);
        }
        if (BLOCK_KV == 32 && (flags & F_HALF1)) {
          tma_load_3d(dk + KV_STAGE / 2, &map_kv, &full_bar[st], 0, 0, pg1);
          tma_load_2d(ds + TILE / 2, &map_ks, &full_bar[st], 0, pg1);
        }
#else
        if (flags & F_HALF0) {
          tma_load_2d(dk, &map_kv, &full_bar[st], 0, pos0);
          tma_load_2d(ds, &map_ks, &full_bar[st], pos0, 0);
        }
#endif
        ++k;
      };
      // A new Q segment: query block rows [row0, row0 + nrows), lane t < NQ holds row t's range [lo, hi).
      auto begin_segment = [&](int row0, int nrows, int lo, int hi) {  // whole warp
        ++qseg;
        const int slot = qseg & 1;
        QInfo* qi = sqi + slot;
        if (lane == 0) mbar_wait(&qempty[slot], ((qseg >> 1) & 1) ^ 1);  // slot free: both WGs released it
        __syncwarp();
#pragma unroll 1
        for (int t = 0; t < NQ; ++t) {  // lane 0 writes everything the consumers read after its arrive
          const int l = __shfl_sync(FULL_MASK, lo, t), h = __shfl_sync(FULL_MASK, hi, t);
          if (lane == 0) {
            qi->lo[t] = l;
            qi->hi[t] = h;
          }
        }
        if (lane == 0) {
          qi->row0 = row0;
          qi->nrows = nrows;
          mbar_expect_tx(&qfull[slot], Q_SLOT + GK_N * 4);
          tma_load_2d(sq + slot * Q_SLOT, &map_q, &qfull[slot], 0, row0 * HEADS);
          tma_load_2d(sw + slot * W_SLOT, &map_w, &qfull[slot], 0, row0);
        }
        __syncwarp();
      };
#if MODE == 0
      int b = __ldg(meta + 2 * blockIdx.x), s = __ldg(meta + 2 * blockIdx.x + 1);
      int be = __ldg(meta + 2 * blockIdx.x + 2), se = __ldg(meta + 2 * blockIdx.x + 3);
      if (lane == 0 && (b < 0 || b > batch || s < 0 || be < 0 || be > batch || se < 0))
        gk_raise(status, GK_STATUS_BAD_SCHEDULE);
      b = b < 0 ? 0 : (b > batch ? batch : b);
      be = be < 0 ? 0 : (be > batch ? batch : be);
      s = s < 0 ? 0 : s;
      int cur_b = -1, seg_b = -1;
      long long L = 0, nsplit = 0, lv = 0;
      int tbase = 0, tval = -1;
      bool tcached = false;
      while (b < batch && (b < be || (b == be && s < se))) {
        if (b != cur_b) {
          cur_b = b;
          long long cnt;
          bool bad;
          seq_lengths(idx0, idx_s0, idx_s1, two_d, b, 0, cap, L, cnt, bad);
          nsplit = (L + SPLIT_TOKENS - 1) / SPLIT_TOKENS;
          lv = L < cap ? L : cap;  // pages needed: positions < min(L, maxContextLen, table capacity)
          tcached = false;
        }
        // Splits at or past the logits width have nothing to write (and neither have the later ones).
        if (s >= nsplit || (long long)s * SPLIT_TOKENS >= width) {
          ++b;
          s = 0;
          continue;
        }
        if (seg_b != b) {
          seg_b = b;
          long long lm, cnt = 0;
          bool bad;
          if (lane < NQ) seq_lengths(idx0, idx_s0, idx_s1, two_d, b, lane, cap, lm, cnt, bad);
          begin_segment(b * NQ, NQ, 0, (int)cnt);
        }
        for (int i = 0; i < TILES_PER_SPLIT; ++i) {
          const int pos0 = s * SPLIT_TOKENS + i * TILE;
          int pg[2] = {0, 0};
          int flags = 0;
#pragma unroll
          for (int h = 0; h < TILE / BLOCK_KV; ++h) {
            const int p = pos0 / BLOCK_KV + h;  // page index within the sequence
            if ((long long)p * BLOCK_KV >= lv) continue;
            if (!tcached || p < tbase || p >= tbase + 32) {
              // The next 32 block-table entries of this sequence, one per lane.
              tbase = p;
              tcached = true;
              const int e = p + lane;
              tval = e < max_blocks ? __ldg(table + b * table_rs + e) : -1;
            }
            const int id = __shfl_sync(FULL_MASK, tval, p - tbase);
            if (id < 0 || id >= num_blocks) {
              if (lane == 0) gk_raise(status, GK_STATUS_BAD_BLOCK_ID);
              continue;
            }
            pg[h] = id;
            flags |= h == 0 ? F_HALF0 : F_HALF1;
          }
          if (BLOCK_KV == 64 && (flags & F_HALF0)) flags |= F_HALF1;  // one page fills the tile
          if (lane == 0) push_tile(pos0, flags, pg[0], pg[1]);
          __syncwarp();
        }
        ++s;
      }
#else
      const int nqb = (batch + NQ - 1) / NQ;
      for (int qb = blockIdx.x; qb < nqb; qb += gridDim.x) {
        const int row0 = qb * NQ;
        const int nrows = min(NQ, batch - row0);
        int lo = 0, hi = 0;
        bool bad = false;
        if (lane < nrows) row_range(idx0, idx1, row0 + lane, width, lo, hi, bad);
        if (bad) gk_raise(status, GK_STATUS_BAD_OFFSET);
        const bool has = lane < nrows && hi > lo;
        const int blo = warp_min(has ? lo : 0x7fffffff), bhi = warp_max(has ? hi : -1);
        if (bhi <= blo) continue;  // nothing visible: the fill warps write the whole rows
        const int t0 = blo / TILE, t1 = (bhi + TILE - 1) / TILE, n = t1 - t0;
        begin_segment(row0, nrows, lo, hi);
        for (int i = 0; i < n + (n & 1); ++i) {  // even tile count: both math WGs see the segment
          if (lane == 0) push_tile((t0 + i) * TILE, i < n ? (F_HALF0 | F_HALF1) : F_NOWRITE, 0, 0);
          __syncwarp();
        }
      }
#endif
      if (lane == 0) {
        push_tile(0, F_END, 0, 0);  // one end marker per math WG
        push_tile(0, F_END, 0, 0);
      }
    } else {
      // ------------------------------------------------------------ fill warps: -inf where no tile writes
      const int ft = tid - 288;
      const float ninf = -__int_as_float(0x7f800000);
#if MODE == 0
      const long long rows = (long long)batch * NQ;
      for (long long i = blockIdx.x; i < rows; i += gridDim.x) {
        const int b = (int)(i / NQ), t = (int)(i % NQ);
        long long L, cnt;
        bool bad;
        seq_lengths(idx0, idx_s0, idx_s1, two_d, b, t, cap, L, cnt, bad);
        if (bad && ft == 0) gk_raise(status, GK_STATUS_BAD_CONTEXT_LEN);
        if (!clean) continue;
        float* orow = out + i * out_rs;
        for (long long j = (L + SPLIT_TOKENS - 1) / SPLIT_TOKENS * SPLIT_TOKENS + ft; j < width; j += FILL_THREADS)
          orow[j] = ninf;
      }
#else
      if (clean) {
        const int nqb = (batch + NQ - 1) / NQ;
        for (int qb = blockIdx.x; qb < nqb; qb += gridDim.x) {
          const int row0 = qb * NQ;
          const int nrows = min(NQ, batch - row0);
          int blo = 0x7fffffff, bhi = -1;
          for (int t = 0; t < nrows; ++t) {
            int lo, hi;
            bool bad;
            row_range(idx0, idx1, row0 + t, width, lo, hi, bad);
            if (hi > lo) {
              blo = min(blo, lo);
              bhi = max(bhi, hi);
            }
          }
          int a = 0, z = 0;  // tiles cover [a, z)
          if (bhi > blo) {
            a = blo / TILE * TILE;
            z = min(width, (bhi + TILE - 1) / TILE * TILE);
          }
          for (int t = 0; t < nrows; ++t) {
            float* orow = out + (long long)(row0 + t) * out_rs;
            for (int j = ft; j < a; j += FILL_THREADS) orow[j] = ninf;
            for (int j = z + ft; j < width; j += FILL_THREADS) orow[j] = ninf;
          }
        }
      }
#endif
    }
  } else {
    // ------------------------------------------------------------ math warpgroups
    asm volatile("setmaxnreg.inc.sync.aligned.u32 224;");
    const int wg = tid / 128;
    const int quad = lane % 4;
    const int r0 = (tid % 128) / 32 * 16 + lane / 4;  // this thread's rows r0 and r0 + 8 of the tile
    float acc[ACC];
#pragma unroll
    for (int i = 0; i < ACC; ++i) acc[i] = 0.f;
    int my_qseg = -1;
    for (int k = wg;; k += 2) {
      const int st = k % STAGES;
      mbar_wait(&full_bar[st], (k / STAGES) & 1);
      const TileInfo ti = sti[st];
      if (ti.flags & F_END) break;
      if (ti.qseg != my_qseg) {
        if (my_qseg >= 0) {
          __syncwarp();
          if (lane == 0) mbar_arrive(&qempty[my_qseg & 1]);
        }
        my_qseg = ti.qseg;
        mbar_wait(&qfull[my_qseg & 1], (my_qseg >> 1) & 1);
      }
      const int slot = my_qseg & 1;
      const bool any = (ti.flags & (F_HALF0 | F_HALF1)) != 0;
      float s0 = 0.f, s1 = 0.f;
      if (any) {
        const unsigned char* a = skv + st * KV_STAGE;
        const unsigned char* q = sq + slot * Q_SLOT;
        fence_regs(acc);
        wgmma_fence();
#pragma unroll
        for (int kk = 0; kk < GK_D / 32; ++kk) wgmma_e4m3(acc, smem_desc(a + kk * 32), smem_desc(q + kk * 32), kk);
        wgmma_commit();
        wgmma_wait0();
        fence_regs(acc);
        s0 = sscale[st * TILE + r0];
        s1 = sscale[st * TILE + r0 + 8];
      }
      __syncwarp();
      if (lane == 0) mbar_arrive(&empty_bar[st]);  // keys and scales of this stage are consumed
      if (ti.flags & F_NOWRITE) continue;
      const bool ld_a = (ti.flags >> (r0 / 32)) & 1, ld_b = (ti.flags >> ((r0 + 8) / 32)) & 1;
      const float* wsm = (const float*)(sw + slot * W_SLOT);
      const QInfo* qi = sqi + slot;
      if (__all_sync(FULL_MASK, s0 >= 0.f && s1 >= 0.f))
        epilogue<true>(acc, wsm, qi, s0, s1, ti.pos0 + r0, ld_a, ld_b, quad, width, out, out_rs, clean);
      else
        epilogue<false>(acc, wsm, qi, s0, s1, ti.pos0 + r0, ld_a, ld_b, quad, width, out, out_rs, clean);
    }
  }
  (void)next_n;
  (void)cap;
}
