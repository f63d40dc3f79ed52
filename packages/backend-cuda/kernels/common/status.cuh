// Device status word: every kernel that reads index data (expert ids, counts, masked_m, offsets, context
// lengths, block tables, permutation maps) takes `unsigned int* status` as its LAST argument. A kernel never
// reads or writes out of bounds on bad index data: it skips the bad entry and ORs one of these bits into
// *status. The host runtime zeroes the word, reads it at sync and raises GemmkitError('E_RANGE', ...).
// The runtime (src/runtime/status.ts parseStatusHeader) reads the names and comments below from this file.
#pragma once

#define GK_STATUS_OK 0u
// An expert/group id (m_indices, topk ids) is >= the number of experts (or < -1).
#define GK_STATUS_BAD_EXPERT_ID (1u << 0)
// A per-group count (masked_m, per_expert counts, ragged-K lengths, segment lengths) is negative or exceeds
// the space the tensor has for it.
#define GK_STATUS_BAD_COUNT (1u << 1)
// A cumulative offset (psum ends, seg_indptr) decreases or runs past the packed dimension.
#define GK_STATUS_BAD_OFFSET (1u << 2)
// A weight index (segmentGemm weight_indices) is out of range.
#define GK_STATUS_BAD_WEIGHT_INDEX (1u << 3)
// A context length is negative or longer than the KV the block table / max_context_len can hold.
#define GK_STATUS_BAD_CONTEXT_LEN (1u << 4)
// A block-table entry points outside the KV cache.
#define GK_STATUS_BAD_BLOCK_ID (1u << 5)
// Schedule metadata (paged MQA) is out of range or inconsistent with context_lens.
#define GK_STATUS_BAD_SCHEDULE (1u << 6)
// A permutation/source-row index (moe permute/unpermute) is out of range.
#define GK_STATUS_BAD_ROW_INDEX (1u << 7)
// Rows of two different experts share one M tile (contiguous layout not padded to alignment_m).
#define GK_STATUS_MISALIGNED_GROUP (1u << 8)

__device__ __forceinline__ void gk_raise(unsigned int* status, unsigned int bit) {
  if (status != nullptr) atomicOr(status, bit);
}
