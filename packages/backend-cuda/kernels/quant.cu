// Quantizers and scale transforms: FP8 per-token / per-block / per-tensor (quantPerTokenFp8, quantPerBlockFp8,
// quantPerTensorFp8), NVFP4 / MXFP4 (quantNvfp4, quantMxfp4), dequantizers (dequantFp8, dequantFp4) and the
// scale layout transforms (swizzleScales, unswizzleScales, scaleToMnMajor). Rules follow
// packages/core/src/ops/quant-rules.ts: scales and quotients in float64, one RNE rounding, saturating.
// Inputs are [B, M, K] views with element strides; x_type is GK_T_F32 / F16 / BF16 (runtime).
#include "common/numeric.cuh"
#include "common/status.cuh"

#define GK_QUANT_THREADS 256

__device__ __forceinline__ float gk_load_x(const void* x, long long i, int t) { return gk_load_as(x, i, t); }

// Exponent e of the smallest power of two >= y (y > 0), exact.
__device__ __forceinline__ int gk_ceil_log2(double y) {
  int e;
  const double f = frexp(y, &e);  // y = f * 2^e, f in [0.5, 1)
  return f == 0.5 ? e - 1 : e;
}
__device__ __forceinline__ int gk_floor_log2(double y) {
  int e;
  frexp(y, &e);
  return e - 1;
}
__device__ __forceinline__ int gk_clamp_exp(int e) { return e < -127 ? -127 : (e > 127 ? 127 : e); }

// e2m1 RNE from float64 (saturating to +-6), so the rounding decision sees the exact quotient.
__device__ __forceinline__ uint32_t gk_f64_to_e2m1(double x) {
  const uint32_t sign = x < 0 ? 8u : 0u;
  const double a = fabs(x);
  uint32_t code;
  if (a <= 0.25) code = 0;
  else if (a < 0.75) code = 1;
  else if (a <= 1.25) code = 2;
  else if (a < 1.75) code = 3;
  else if (a <= 2.5) code = 4;
  else if (a < 3.5) code = 5;
  else if (a <= 5.0) code = 6;
  else code = 7;
  return sign | code;
}

__device__ __forceinline__ float gk_block_max(float v) {
  __shared__ float red[32];
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  const int w = threadIdx.x >> 5;
  __syncthreads();
  if ((threadIdx.x & 31) == 0) red[w] = v;
  __syncthreads();
  float m = 0.f;
  for (int i = 0; i < (blockDim.x + 31) / 32; ++i) m = fmaxf(m, red[i]);
  return m;
}

// amax(|x|) over the whole [B, M, K] view into *amax (u32 bits of a non-negative float; zeroed by the caller
// with gk_fill_u32). grid-stride over rows.
extern "C" __global__ void __launch_bounds__(GK_QUANT_THREADS)
    gk_amax(const void* x, int x_type, int batch, int m, int k, long long xb, long long xm, long long xk,
            unsigned* amax) {
  float v = 0.f;
  const long long rows = static_cast<long long>(batch) * m;
  for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
    const long long base = (r / m) * xb + (r % m) * xm;
    for (int c = threadIdx.x; c < k; c += blockDim.x) v = fmaxf(v, fabsf(gk_load_x(x, base + c * xk, x_type)));
  }
  v = gk_block_max(v);
  if (threadIdx.x == 0) atomicMax(amax, __float_as_uint(v));  // NaN bits compare above every finite value
}

extern "C" __global__ void gk_fill_u32(unsigned* p, unsigned value, long long n) {
  for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<long long>(gridDim.x) * blockDim.x)
    p[i] = value;
}

// FP8 group quantization. grid = (ceil(K / tk), ceil(M / tm), B); scale_mode 0: each CTA is one (tm x tk) group
// and derives its scale from the group amax; 1: s = *scale_in (given); 2: s from the per-tensor *amax_in.
// The scale of group (b, i, j) goes to scale_out[b * ssb + i * ssm + j * ssk] (f32, or ue8m0 byte when
// scale_enc = GK_ENC_UE8M0); modes 1 and 2 write scale_out[0] from CTA (0, 0, 0).
extern "C" __global__ void __launch_bounds__(GK_QUANT_THREADS)
    gk_quant_fp8(const void* x, int x_type, int batch, int m, int k, long long xb, long long xm, long long xk,
                 uint8_t* out, long long ob, long long om, long long ok, void* scale_out, long long ssb,
                 long long ssm, long long ssk, int scale_enc, int tm, int tk, int out_type, int ue8m0, double eps,
                 int scale_mode, const float* scale_in, const unsigned* amax_in) {
  const int b = blockIdx.z;
  const long long m0 = static_cast<long long>(blockIdx.y) * tm, k0 = static_cast<long long>(blockIdx.x) * tk;
  const int rows = static_cast<int>(m - m0 < tm ? m - m0 : tm), cols = static_cast<int>(k - k0 < tk ? k - k0 : tk);
  const double fp_max = out_type == GK_T_E4M3 ? 448.0 : 57344.0;
  const long long xbase = b * xb + m0 * xm + k0 * xk;
  float s;
  if (scale_mode == 1) {
    s = *scale_in;
  } else {
    float amax;
    if (scale_mode == 0) {
      float v = 0.f;
      for (int e = threadIdx.x; e < rows * cols; e += blockDim.x)
        v = fmaxf(v, fabsf(gk_load_x(x, xbase + (e / cols) * xm + (e % cols) * xk, x_type)));
      amax = gk_block_max(v);
    } else {
      amax = __uint_as_float(*amax_in);
    }
    const double a = fmax(static_cast<double>(amax), eps);
    s = ue8m0 ? ldexpf(1.f, gk_clamp_exp(gk_ceil_log2(a / fp_max))) : static_cast<float>(a / fp_max);
  }
  const bool writes_scale = scale_mode == 0 || (blockIdx.x == 0 && blockIdx.y == 0 && blockIdx.z == 0);
  if (threadIdx.x == 0 && writes_scale && scale_out != nullptr) {
    const long long si = scale_mode == 0 ? b * ssb + blockIdx.y * ssm + blockIdx.x * ssk : 0;
    if (scale_enc == GK_ENC_UE8M0) {
      int e;
      frexpf(s, &e);  // s is a power of two: s = 0.5 * 2^e
      static_cast<uint8_t*>(scale_out)[si] = static_cast<uint8_t>(gk_clamp_exp(e - 1) + 127);
    } else {
      static_cast<float*>(scale_out)[si] = s;
    }
  }
  const __nv_fp8_interpretation_t kind = out_type == GK_T_E4M3 ? __NV_E4M3 : __NV_E5M2;
  const double sd = s;
  for (int e = threadIdx.x; e < rows * cols; e += blockDim.x) {
    const int r = e / cols, c = e % cols;
    const double v = gk_load_x(x, xbase + r * xm + c * xk, x_type);
    out[b * ob + (m0 + r) * om + (k0 + c) * ok] = __nv_cvt_double_to_fp8(v / sd, __NV_SATFINITE, kind);
  }
}

// Scale byte offset of (row r, block kb): linear r * kb_count + kb, or the 128x4 swizzle.
__device__ __forceinline__ long long gk_fp4_scale_offset(long long r, long long kb, long long kb_count, int swz) {
  if (!swz) return r * kb_count + kb;
  const long long kp = (kb_count + 3) / 4 * 4;
  return ((r / 128) * (kp / 4) + kb / 4) * 512 + (r % 32) * 16 + ((r % 128) / 32) * 4 + (kb % 4);
}

// NVFP4 (vec 16, e4m3 scales, global scale) / MXFP4 (vec 32, ue8m0). One thread per (row, block) of the
// padded scale grid (swizzled layouts pad rows to 128 and blocks to 4; padding scale bytes are written 0).
// rows = B * M flattened (x row r at (r / m) * xb + (r % m) * xm); out is [rows, K/2] e2m1x2 contiguous.
// nvfp4: g = *global_in (given) or f32(2688 / max(*amax_in, eps)); written to *global_out when non-null.
// mx_rounding: 0 'up', 1 'ocp'.
extern "C" __global__ void __launch_bounds__(GK_QUANT_THREADS)
    gk_quant_fp4(const void* x, int x_type, int m, long long rows, int k, long long xb, long long xm, long long xk,
                 uint8_t* out, uint8_t* scale_out, int swz, int nvfp4, const float* global_in,
                 const unsigned* amax_in, float* global_out, double eps, int mx_rounding) {
  const int vec = nvfp4 ? 16 : 32;
  const long long kbc = (k + vec - 1) / vec;
  const long long prow = swz ? (rows + 127) / 128 * 128 : rows;
  const long long pkb = swz ? (kbc + 3) / 4 * 4 : kbc;
  const long long id = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  if (id >= prow * pkb) return;
  const long long r = id / pkb, kb = id % pkb;
  uint8_t* sp = scale_out + gk_fp4_scale_offset(r, kb, kbc, swz);
  if (r >= rows || kb >= kbc) {
    *sp = 0;
    return;
  }
  double g = 1.0;
  if (nvfp4) {
    g = global_in ? static_cast<double>(*global_in)
                  : static_cast<double>(static_cast<float>(2688.0 / fmax(static_cast<double>(__uint_as_float(*amax_in)), eps)));
    if (global_out && id == 0) *global_out = static_cast<float>(g);
  }
  const long long xbase = (r / m) * xb + (r % m) * xm;
  const int k0 = static_cast<int>(kb * vec);
  const int cnt = k - k0 < vec ? k - k0 : vec;
  float amax = 0.f;
  for (int e = 0; e < cnt; ++e) amax = fmaxf(amax, fabsf(gk_load_x(x, xbase + (k0 + e) * xk, x_type)));
  double inv;  // data = e2m1(x * inv)
  if (nvfp4) {
    const uint8_t sf = __nv_cvt_double_to_fp8(g * amax / 6.0, __NV_SATFINITE, __NV_E4M3);
    *sp = sf;
    const double sfv = gk_e4m3_to_f32(sf);
    inv = sfv == 0.0 ? 0.0 : g / sfv;
  } else {
    const int e = !(amax > 0.f) ? -127
                                : gk_clamp_exp(mx_rounding == 0 ? gk_ceil_log2(static_cast<double>(amax) / 6.0)
                                                                : gk_floor_log2(amax) - 2);
    *sp = static_cast<uint8_t>(e + 127);
    inv = ldexp(1.0, -e);
  }
  uint8_t* op = out + r * ((k + 1) / 2);
  for (int e = 0; e < cnt; e += 2) {
    const uint32_t lo = gk_f64_to_e2m1(gk_load_x(x, xbase + (k0 + e) * xk, x_type) * inv);
    const uint32_t hi = e + 1 < cnt ? gk_f64_to_e2m1(gk_load_x(x, xbase + (k0 + e + 1) * xk, x_type) * inv) : 0u;
    op[(k0 + e) / 2] = static_cast<uint8_t>(lo | (hi << 4));
  }
}

// dequantFp8: out[b, m, k] = data * scale(b, m / gm, k / gk); scale strides may be 0 (per-tensor).
extern "C" __global__ void gk_dequant_fp8(const uint8_t* data, int data_type, int batch, int m, int k, long long db,
                                          long long dm, long long dk, const void* scale, int scale_enc, long long ssb,
                                          long long ssm, long long ssk, int gm, int gk, void* out, int out_type,
                                          long long ob, long long om, long long ok) {
  const long long n = static_cast<long long>(batch) * m * k;
  for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<long long>(gridDim.x) * blockDim.x) {
    const long long b = i / (static_cast<long long>(m) * k), mm = (i / k) % m, kk = i % k;
    const uint8_t byte = data[b * db + mm * dm + kk * dk];
    const float v = data_type == GK_T_E4M3 ? gk_e4m3_to_f32(byte) : gk_e5m2_to_f32(byte);
    const float s = gk_scale_to_f32(scale, b * ssb + (mm / gm) * ssm + (kk / gk) * ssk, scale_enc);
    gk_store_as(out, b * ob + mm * om + kk * ok, out_type, static_cast<float>(static_cast<double>(v) * s));
  }
}

// dequantFp4: out[r, k] = e2m1 * scale(r, k / vec) / global (global_div nullptr = 1). data [rows, K/2].
extern "C" __global__ void gk_dequant_fp4(const uint8_t* data, long long rows, int k, const uint8_t* scale,
                                          int scale_enc, int vec, int swz, const float* global_div, void* out,
                                          int out_type, long long orow) {
  const long long n = rows * k, kbc = (k + vec - 1) / vec;
  const double gd = global_div ? static_cast<double>(*global_div) : 1.0;
  for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<long long>(gridDim.x) * blockDim.x) {
    const long long r = i / k, kk = i % k;
    const uint8_t byte = data[r * ((k + 1) / 2) + kk / 2];
    const float v = gk_e2m1_to_f32((kk & 1) ? (byte >> 4) : (byte & 15));
    const float s = gk_scale_to_f32(scale, gk_fp4_scale_offset(r, kk / vec, kbc, swz), scale_enc);
    gk_store_as(out, r * orow + kk, out_type, static_cast<float>(static_cast<double>(v) * s / gd));
  }
}

// Scale layout transforms over [B, R, C] scale grids of `elem` bytes (1 or 4). mode 0: linear -> 128x4 swizzle
// (padded, padding written 0; only for elem 1); 1: swizzle -> linear; 2: K-major [B, R, C] -> MN-major with
// column stride ld (element (b, r, c) at b * ob + c * ld + r); padding rows of the MN-major layout are left.
extern "C" __global__ void gk_scale_transform(const uint8_t* src, uint8_t* dst, int mode, int batch, int rows,
                                              int cols, int elem, long long sb, long long ob, long long ld) {
  const long long prow = mode == 0 ? (rows + 127) / 128 * 128 : rows;
  const long long pcol = mode == 0 ? (cols + 3) / 4 * 4 : cols;
  const long long n = static_cast<long long>(batch) * prow * pcol;
  for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<long long>(gridDim.x) * blockDim.x) {
    const long long b = i / (prow * pcol), r = (i / pcol) % prow, c = i % pcol;
    const bool in = r < rows && c < cols;
    long long s_off, d_off;
    if (mode == 0) {
      s_off = b * sb + r * cols + c;
      d_off = b * ob + gk_fp4_scale_offset(r, c, cols, 1);
      dst[d_off] = in ? src[s_off] : 0;
      continue;
    }
    if (mode == 1) {
      s_off = b * sb + gk_fp4_scale_offset(r, c, cols, 1);
      d_off = b * ob + r * cols + c;
    } else {
      s_off = b * sb + r * cols + c;
      d_off = b * ob + c * ld + r;
    }
    for (int e = 0; e < elem; ++e) dst[d_off * elem + e] = src[s_off * elem + e];
  }
}
