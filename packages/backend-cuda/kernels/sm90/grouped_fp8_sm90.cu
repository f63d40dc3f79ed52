// Grouped MoE FP8 GEMMs on Hopper (sm_90a): raggedMMoeGemm8bit (MODE 1, contiguous), maskedMoeGemm8bit and
// batchDeepgemmFp8NtGroupwise (MODE 2, masked), raggedKMoeGemm8bit (MODE 3, ragged-K: out[e] += A_eᵀ·B_e in
// f32). The GEMM itself is the dense kernel of fp8_gemm_sm90.cu (same TMA ring, wgmma, FP32 promotion, warp
// specialization, persistent loop) compiled with MODE != 0, which swaps in the grouped tile scheduler and
// epilogue of grouped_fp8_sm90.cuh. See docs/moe-grouped-sm90.md.
//
// This file adds the two small helper kernels the launcher runs first:
//  * sm90_grouped_block_list: m_indices / psum ends / per-expert counts -> the list of BLOCK_M-row blocks that
//    have an expert (one CTA; bad index data is skipped and flagged in the status word);
//  * sm90_grouped_scale_gather: [G, R, C] scales (any strides) -> the layouts the GEMM reads.
#ifndef MODE
#define MODE 1
#endif
#ifndef KERNEL_NAME
#define KERNEL_NAME fp8_grouped_gemm_sm90
#endif
#pragma nv_diag_suppress 177  // dense-only locals (split-K, tile_coords) are unused in the grouped modes
#define SM90_NO_SCALE_GATHER
#include "fp8_gemm_sm90.cu"

#define LIST_THREADS 1024

// How raggedTokensInfo is read (the launcher's RAGGED_INFO table).
#define INFO_PER_TOKEN 0
#define INFO_PSUM 1
#define INFO_COUNTS 2

#ifndef SM90_NO_GROUPED_HELPERS  // (a library holding several instantiations defines the helpers once)
// meta = {count, 0, 0, 0} followed by int4 {first row, expert, rows, 0} per block with an expert, in row order.
// Dynamic shared memory: (ceil(M / block_m) + 2 * E) ints. Resolution rules = core's raggedMRuns: ids outside
// [-1, E) are skipped and flagged; per_token blocks take their first valid id and rows with another id are
// flagged (MISALIGNED_GROUP) and left unwritten by the GEMM; psum ends below the previous end or above M and
// negative / overflowing counts are clamped and flagged.
extern "C" __global__ void __launch_bounds__(LIST_THREADS) sm90_grouped_block_list(
    const int* __restrict__ info, int info_mode, int M, int E, int align_m, int block_m, int* __restrict__ meta,
    unsigned* __restrict__ status) {
  extern __shared__ int s_dyn[];
  __shared__ int s_scan[LIST_THREADS];
  __shared__ unsigned s_flags;
  const int tid = threadIdx.x, lane = tid % 32, warp = tid / 32;
  const int nmb = (M + block_m - 1) / block_m;
  int* s_blk = s_dyn;             // [nmb] expert of each block (-1: none)
  int* s_start = s_dyn + nmb;     // [E] first row of each expert (psum / counts)
  int* s_end = s_start + E;       // [E] end row of each expert
  if (tid == 0) s_flags = 0;
  __syncthreads();

  if (info_mode == INFO_PER_TOKEN) {
    // One warp per block: coalesced reads of the block's ids.
    for (int i = warp; i < nmb; i += LIST_THREADS / 32) {
      const int r0 = i * block_m, r1 = min(M, r0 + block_m);
      int g = -1;
      unsigned flags = 0;
      for (int base = r0; base < r1; base += 32) {  // whole warp per step (ballot)
        const int r = base + lane;
        const int id = r < r1 ? __ldg(info + r) : -1;
        const bool bad = id < -1 || id >= E;
        if (bad) flags |= GK_STATUS_BAD_EXPERT_ID;
        const unsigned valid = __ballot_sync(0xffffffffu, !bad && id >= 0);
        if (g < 0 && valid) g = __shfl_sync(0xffffffffu, id, __ffs(valid) - 1);
        if (!bad && id >= 0 && id != g) flags |= GK_STATUS_MISALIGNED_GROUP;
      }
      flags = __reduce_or_sync(0xffffffffu, flags);
      if (lane == 0) {
        s_blk[i] = g;
        if (flags) atomicOr(&s_flags, flags);
      }
    }
  } else {
    if (tid == 0) {
      // Serial walk (E is small): the same clamping as core's raggedMRuns.
      int prev = 0;
      unsigned flags = 0;
      for (int e = 0; e < E; ++e) {
        const int v = __ldg(info + e);
        const int start = (prev + align_m - 1) / align_m * align_m;
        int end;
        if (info_mode == INFO_PSUM) {
          if (v < prev || v > M) flags |= GK_STATUS_BAD_OFFSET;
          end = min(max(v, prev), M);
        } else {
          if (v < 0 || (long)start + v > M) flags |= GK_STATUS_BAD_COUNT;
          end = v > 0 ? (int)min((long)start + v, (long)M) : start;
          end = max(end, min(start, M));
        }
        s_start[e] = start;
        s_end[e] = end;
        prev = end;
      }
      s_flags |= flags;
    }
    __syncthreads();
    // Expert of block i: the last expert starting at or before its first row, if the row is before its end
    // (starts never decrease; an empty expert ends where it starts, and every earlier one ends before that).
    for (int i = tid; i < nmb; i += LIST_THREADS) {
      const int m0 = i * block_m;
      int lo = 0, hi = E;  // first e with start > m0
      while (lo < hi) {
        const int mid = (lo + hi) / 2;
        if (s_start[mid] <= m0) lo = mid + 1;
        else hi = mid;
      }
      s_blk[i] = (lo > 0 && m0 < s_end[lo - 1]) ? lo - 1 : -1;
    }
  }
  __syncthreads();

  // Compact the blocks with an expert, in row order: per-thread chunk counts, a block-wide scan, then writes.
  const int chunk = (nmb + LIST_THREADS - 1) / LIST_THREADS;
  const int b0 = min(nmb, tid * chunk), b1 = min(nmb, b0 + chunk);
  int mine = 0;
  for (int i = b0; i < b1; ++i) mine += s_blk[i] >= 0;
  s_scan[tid] = mine;
  __syncthreads();
  for (int off = 1; off < LIST_THREADS; off *= 2) {
    const int v = tid >= off ? s_scan[tid - off] : 0;
    __syncthreads();
    s_scan[tid] += v;
    __syncthreads();
  }
  int pos = s_scan[tid] - mine;
  int4* blocks = reinterpret_cast<int4*>(meta + 4);
  for (int i = b0; i < b1; ++i) {
    const int g = s_blk[i];
    if (g < 0) continue;
    const int m0 = i * block_m;
    const int rows = info_mode == INFO_PER_TOKEN ? min(block_m, M - m0) : min(block_m, s_end[g] - m0);
    blocks[pos++] = make_int4(m0, g, rows, 0);
  }
  if (tid == LIST_THREADS - 1) {
    meta[0] = s_scan[tid];
    meta[1] = meta[2] = meta[3] = 0;
  }
  if (tid == 0 && s_flags != 0) gk_raise(status, s_flags);
}

// dst[r * dst_row + j * dst_col] = src[b * src_bat + (i / group) * src_row + j * src_col] with r = b * rows + i,
// for r < groups * rows, i < src_rows and j < cols; every other row r < rows_pad is zeroed. Turns the [E, maxM, kb] /
// [M, kb] A scales into the MN-major TMA-aligned [kb][rows_pad] layout, and [E, nb, kb] B scales into K-major.
// Masked mode passes rows = roundup(maxM, 4) > src_rows = maxM: each expert's scale column then starts 16-byte
// aligned, as the TMA load of a tile's scales needs (an unaligned start faults with an illegal instruction).
extern "C" __global__ void sm90_grouped_scale_gather(const float* __restrict__ src, float* __restrict__ dst,
                                                     int groups, int rows, int rows_pad, int cols, int group,
                                                     long src_bat, long src_row, long src_col, long dst_row,
                                                     long dst_col, int src_rows) {
  const long idx = (long)blockIdx.x * blockDim.x + threadIdx.x;
  if (idx >= (long)rows_pad * cols) return;
  const long r = idx % rows_pad;
  const long j = idx / rows_pad;
  float v = 0.0f;
  if (r < (long)groups * rows) {
    const long b = r / rows, i = r % rows;
    if (i < src_rows) v = src[b * src_bat + (i / group) * src_row + j * src_col];
  }
  dst[r * dst_row + j * dst_col] = v;
}
#endif  // SM90_NO_GROUPED_HELPERS
