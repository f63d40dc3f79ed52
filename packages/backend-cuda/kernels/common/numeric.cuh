// Exact decode / rounding encode of the gemmkit element types, shared by every kernel family.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>
#include <stdint.h>

// Element type codes used by the -D defines (GK_TA, GK_TB, ...) and by runtime fields. Mirrored in
// src/ops/codes.ts.
#define GK_T_F16 0
#define GK_T_BF16 1
#define GK_T_E4M3 2
#define GK_T_E5M2 3
#define GK_T_E2M1 4
#define GK_T_F32 5

// Scale encodings (runtime field): one scale element is f32, ue8m0 (2^(b-127)) or e4m3.
#define GK_ENC_F32 0
#define GK_ENC_UE8M0 1
#define GK_ENC_E4M3 2

__device__ __forceinline__ float gk_e4m3_to_f32(uint8_t b) {
  return __half2float(__half(__nv_cvt_fp8_to_halfraw(b, __NV_E4M3)));
}
__device__ __forceinline__ float gk_e5m2_to_f32(uint8_t b) {
  return __half2float(__half(__nv_cvt_fp8_to_halfraw(b, __NV_E5M2)));
}
__device__ __forceinline__ float gk_ue8m0_to_f32(uint8_t b) {
  // 255 is NaN; 0 is 2^-127 (a denormal f32), both exact through the bit pattern.
  if (b == 255) return __int_as_float(0x7fc00000);
  if (b == 0) return __int_as_float(0x00400000);
  return __int_as_float(static_cast<int>(b) << 23);
}
// e2m1 nibble: bit 3 sign, values 0 .5 1 1.5 2 3 4 6.
// Built from bits (no lookup table: a local array would live in local memory): exponent field e = bits 2..1,
// mantissa m = bit 0; e == 0 is the subnormal 0.5 * m, otherwise 2^(e-1) * (1 + m/2).
__device__ __forceinline__ float gk_e2m1_to_f32(uint32_t nib) {
  const uint32_t e = (nib >> 1) & 3u, m = nib & 1u;
  const float mag = e == 0 ? 0.5f * static_cast<float>(m)
                           : __int_as_float(static_cast<int>((e + 126u) << 23 | (m << 22)));
  return (nib & 8u) ? -mag : mag;
}
__device__ __forceinline__ float gk_scale_to_f32(const void* p, long long idx, int enc) {
  if (enc == GK_ENC_F32) return __ldg(static_cast<const float*>(p) + idx);
  const uint8_t b = __ldg(static_cast<const uint8_t*>(p) + idx);
  return enc == GK_ENC_UE8M0 ? gk_ue8m0_to_f32(b) : gk_e4m3_to_f32(b);
}

// Load one element of type T at element index i and return it as f32 (exact).
template <int T>
__device__ __forceinline__ float gk_load_f32(const void* base, long long i) {
  if constexpr (T == GK_T_F16) {
    return __half2float(__ushort_as_half(__ldg(static_cast<const unsigned short*>(base) + i)));
  } else if constexpr (T == GK_T_BF16) {
    return __bfloat162float(__ushort_as_bfloat16(__ldg(static_cast<const unsigned short*>(base) + i)));
  } else if constexpr (T == GK_T_E4M3) {
    return gk_e4m3_to_f32(__ldg(static_cast<const uint8_t*>(base) + i));
  } else if constexpr (T == GK_T_E5M2) {
    return gk_e5m2_to_f32(__ldg(static_cast<const uint8_t*>(base) + i));
  } else {
    return __ldg(static_cast<const float*>(base) + i);
  }
}

// Round-to-nearest-even encoders. fp8 saturates to the largest finite value (satfinite), NaN stays NaN.
__device__ __forceinline__ uint8_t gk_f32_to_e4m3(float x) {
  return static_cast<uint8_t>(__nv_cvt_float_to_fp8(x, __NV_SATFINITE, __NV_E4M3));
}
__device__ __forceinline__ uint8_t gk_f32_to_e5m2(float x) {
  return static_cast<uint8_t>(__nv_cvt_float_to_fp8(x, __NV_SATFINITE, __NV_E5M2));
}
__device__ __forceinline__ unsigned short gk_f32_to_bf16_bits(float x) {
  return __bfloat16_as_ushort(__float2bfloat16_rn(x));
}
__device__ __forceinline__ unsigned short gk_f32_to_f16_bits(float x) {
  return __half_as_ushort(__float2half_rn(x));
}
// e2m1 round-to-nearest-even with saturation to +-6 (NaN maps to +6 with sign; callers pre-scale).
__device__ __forceinline__ uint32_t gk_f32_to_e2m1(float x) {
  const uint32_t sign = (__float_as_uint(x) >> 31) ? 8u : 0u;
  const float a = fabsf(x);
  uint32_t code;
  // Midpoints between representable magnitudes; ties go to the even code (even mantissa bit).
  if (a <= 0.25f) code = 0;        // tie 0.25 -> 0 (even)
  else if (a < 0.75f) code = 1;    // 0.5
  else if (a <= 1.25f) code = 2;   // 1.0 (tie 0.75 -> 1.0 even, tie 1.25 -> 1.0 even)
  else if (a < 1.75f) code = 3;    // 1.5
  else if (a <= 2.5f) code = 4;    // 2.0 (tie 1.75 -> 2.0 even, tie 2.5 -> 2.0 even)
  else if (a < 3.5f) code = 5;     // 3.0
  else if (a <= 5.0f) code = 6;    // 4.0 (tie 3.5 -> 4 even, tie 5 -> 4 even)
  else code = 7;                   // 6.0, saturating
  if (a != a) code = 7;
  return sign | code;
}

// Store f32 as output type code `t` (runtime) at element index i.
__device__ __forceinline__ void gk_store_as(void* base, long long i, int t, float v) {
  switch (t) {
    case GK_T_F16: static_cast<unsigned short*>(base)[i] = gk_f32_to_f16_bits(v); break;
    case GK_T_BF16: static_cast<unsigned short*>(base)[i] = gk_f32_to_bf16_bits(v); break;
    case GK_T_E4M3: static_cast<uint8_t*>(base)[i] = gk_f32_to_e4m3(v); break;
    case GK_T_E5M2: static_cast<uint8_t*>(base)[i] = gk_f32_to_e5m2(v); break;
    default: static_cast<float*>(base)[i] = v; break;
  }
}
__device__ __forceinline__ float gk_load_as(const void* base, long long i, int t) {
  switch (t) {
    case GK_T_F16: return gk_load_f32<GK_T_F16>(base, i);
    case GK_T_BF16: return gk_load_f32<GK_T_BF16>(base, i);
    case GK_T_E4M3: return gk_load_f32<GK_T_E4M3>(base, i);
    case GK_T_E5M2: return gk_load_f32<GK_T_E5M2>(base, i);
    default: return gk_load_f32<GK_T_F32>(base, i);
  }
}
