// Runtime parameters of the universal tiled GEMM (gemm_core.cuh), passed by value as the first kernel
// argument. The layout is mirrored field-for-field in src/ops/gemm-params.ts; the compile tier checks the
// offsets with a host build of this header (test/compile.test.ts), so the two cannot drift silently.
// Order: every 8-byte field first, then every 4-byte field, so there is no interior padding.
#pragma once

// How grid.z / grid.y map onto sub-problems (runtime field `map`). Mirrored in src/ops/codes.ts.
#define GK_MAP_DENSE 0          // z = batch; rows [0, m)
#define GK_MAP_RAGGED_M_TOKEN 1 // index = m_indices[m] (i32, -1 = padding row); grid.y over all rows, z = 1
#define GK_MAP_RAGGED_M_PSUM 2  // index = cumulative ends[E]; group g starts at roundup(end[g-1], align_m)
#define GK_MAP_RAGGED_M_COUNT 3 // index = counts[E]; group g starts at sum_{j<g} roundup(count[j], align_m)
#define GK_MAP_MASKED 4         // z = expert; rows [0, min(masked_m[z], m)); optional overlap signal
#define GK_MAP_RAGGED_K 5       // z = group; index = K counts[G]; k in [sum_{j<z} count, +count[z]); out += A.B
#define GK_MAP_SEGMENT 6        // z = segment; index = seg_indptr[S+1]; index2 = weight_indices[S] (optional)
#define GK_MAP_SEGMENT_LENS 7   // as GK_MAP_SEGMENT with index = seg_lens[S] (segment z starts at sum_{j<z} len)

struct GkGemmParams {
  const void* a;          // A rows: [.., m, k] (element strides below; e2m1x2: byte strides, k packed)
  const void* b;          // B rows: [.., n, k]
  void* out;              // [.., m, n]
  const void* sa;         // A scales (see sa_* fields); nullptr = 1
  const void* sb;         // B scales; nullptr = 1
  const float* alpha_ptr; // device f32 multiplier (NVFP4 global scale, ...); nullptr = 1
  const void* bias;       // [n] (bias_type); nullptr = none
  const void* c;          // addend [.., m, n] (c_type) times beta; nullptr = none
  const float* out_scale; // fp8 output: stored value = v / *out_scale; nullptr = 1
  const void* index;      // index data per map (i32, or i64 when index_i64)
  const void* index2;     // segment weight_indices (i32/i64 as index_i64); nullptr = identity
  int* signal;            // masked overlap signal [E * ceil(m / 64)]; nullptr = none
  long long a_bs, a_rs, a_ks;
  long long b_bs, b_rs, b_ks;
  long long o_bs, o_rs, o_cs;
  long long c_bs, c_rs;
  long long sa_bs, sa_ms, sa_ks;  // scale element strides per batch, per m-block, per k-block
  long long sb_bs, sb_ns, sb_ks;
  int m, n, k;            // rows per batch (masked: max_m; ragged: total rows), columns, depth (ragged-K: total)
  int batch;              // sub-problems on grid.z
  int map;                // GK_MAP_*
  int out_type, c_type, bias_type;  // GK_T_*
  int accumulate;         // 1: out (f32) += result
  int sa_gm, sa_gk, sb_gn, sb_gk;   // scale block sizes in elements (>= 1)
  int sa_enc, sb_enc;     // GK_ENC_*
  int sa_swz, sb_swz;     // 1: 128x4 swizzled fp4 scale layout
  int sa_kpad, sb_kpad;   // swizzled layouts: scale columns padded to a multiple of 4
  int index_i64;
  int num_groups;         // experts (ragged-M, masked) or weights (segment)
  int align_m;            // ragged-M group alignment (rows)
  float alpha, beta;      // 24 four-byte fields: sizeof is a multiple of 8 without padding
};
