// Gather a strided view into fresh dense row-major memory, so that kernels which index an input as dense can
// take any view the op contracts allow (transposes, slices, broadcast strides, negative strides, offsets).
// dst[i] = src[sum_d coord_d(i) * stride_d] for i in [0, numel), coordinates of i over `sizes` (row-major).
// The host collapses mergeable dimensions and drops size-1 ones, then right-aligns the rest into
// GK_COPY_MAX_DIMS slots (leading slots: size 1, stride 0), so the unrolled loop indexes the struct statically
// (no local memory) and skips the unused slots with a uniform branch.
// Entry points: one per element size (bytes moved as is) and an i32 -> i64 widening copy (sign-extended) for
// index tensors that a kernel reads in one integer width.

#define GK_COPY_MAX_DIMS 8

// Passed by value; mirrored by src/ops/strided-copy.ts (packStridedView).
struct GkStridedView {
  long long sizes[GK_COPY_MAX_DIMS];    // element counts, outermost first
  long long strides[GK_COPY_MAX_DIMS];  // source strides in elements (may be negative or 0)
  long long numel;
};

// Source element offset of dense index i (host-callable too: test/strided-copy.test.ts checks it on the CPU).
__host__ __device__ __forceinline__ long long gk_strided_offset(const GkStridedView& v, long long i) {
  long long off = 0;
#pragma unroll
  for (int d = GK_COPY_MAX_DIMS - 1; d >= 0; --d) {
    const long long n = v.sizes[d];
    if (n != 1) {
      off += (i % n) * v.strides[d];
      i /= n;
    }
  }
  return off;
}

template <typename S, typename D>
__device__ __forceinline__ void gk_strided_copy(const S* __restrict__ src, D* __restrict__ dst,
                                                const GkStridedView& v) {
  const long long step = static_cast<long long>(gridDim.x) * blockDim.x;
  for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < v.numel; i += step)
    dst[i] = static_cast<D>(src[gk_strided_offset(v, i)]);
}

extern "C" __global__ void gk_strided_copy_b1(const unsigned char* src, unsigned char* dst, GkStridedView v) {
  gk_strided_copy(src, dst, v);
}
extern "C" __global__ void gk_strided_copy_b2(const unsigned short* src, unsigned short* dst, GkStridedView v) {
  gk_strided_copy(src, dst, v);
}
extern "C" __global__ void gk_strided_copy_b4(const unsigned int* src, unsigned int* dst, GkStridedView v) {
  gk_strided_copy(src, dst, v);
}
extern "C" __global__ void gk_strided_copy_b8(const unsigned long long* src, unsigned long long* dst,
                                              GkStridedView v) {
  gk_strided_copy(src, dst, v);
}
extern "C" __global__ void gk_strided_widen_i32_i64(const int* src, long long* dst, GkStridedView v) {
  gk_strided_copy(src, dst, v);
}
