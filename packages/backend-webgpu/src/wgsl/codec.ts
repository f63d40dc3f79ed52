/**
 * Exact WGSL conversions between gemmkit's element formats and f32, done on integer bit patterns so that
 * no GPU float mode (flush-to-zero, fast math) can change them. Decoders take the raw code in the low bits
 * of a u32; encoders round to nearest, ties to even, like core's codecs.
 */
export const WGSL_CODEC = /* wgsl */ `
fn dec_bf16(h: u32) -> f32 { return bitcast<f32>((h & 0xffffu) << 16u); }

fn dec_f16(h: u32) -> f32 {
  let s = (h & 0x8000u) << 16u;
  let e = (h >> 10u) & 0x1fu;
  let m = h & 0x3ffu;
  if (e == 0u) {
    let v = f32(m) * 5.9604644775390625e-8; // m * 2^-24, exact
    return select(v, -v, s != 0u);
  }
  if (e == 31u) { return bitcast<f32>(s | 0x7f800000u | (m << 13u)); }
  return bitcast<f32>(s | ((e + 112u) << 23u) | (m << 13u));
}

// e5m2 is the upper byte of an f16.
fn dec_e5m2(b: u32) -> f32 { return dec_f16((b & 0xffu) << 8u); }

// e4m3 "fn": bias 7, no infinities, S.1111.111 is NaN.
fn dec_e4m3(b: u32) -> f32 {
  let s = (b & 0x80u) << 24u;
  let e = (b >> 3u) & 0xfu;
  let m = b & 7u;
  if (e == 0u) {
    let v = f32(m) * 0.001953125; // m * 2^-9
    return select(v, -v, s != 0u);
  }
  if (e == 15u && m == 7u) { return bitcast<f32>(s | 0x7fc00000u); }
  return bitcast<f32>(s | ((e + 120u) << 23u) | (m << 20u));
}

// e2m1: 0, .5, 1, 1.5, 2, 3, 4, 6; bit 3 is the sign.
fn dec_e2m1(n: u32) -> f32 {
  let e = (n >> 1u) & 3u;
  let m = f32(n & 1u);
  var v = m * 0.5;
  if (e != 0u) { v = (1.0 + 0.5 * m) * f32(1u << (e - 1u)); }
  return select(v, -v, (n & 8u) != 0u);
}

// ue8m0: 2^(b - 127); 0xff is NaN.
fn dec_ue8m0(b: u32) -> f32 {
  let c = b & 0xffu;
  if (c == 0u) { return 5.877471754111438e-39; }
  if (c == 255u) { return bitcast<f32>(0x7fc00000u | c); }
  return bitcast<f32>(c << 23u);
}

// Round m * 2^-sh to the nearest integer, ties to even.
fn rne_shift(m: u32, sh: u32) -> u32 {
  if (sh == 0u) { return m; }
  if (sh >= 32u) { return 0u; }
  let q = m >> sh;
  let rem = m & ((1u << sh) - 1u);
  let half = 1u << (sh - 1u);
  return q + select(0u, 1u, rem > half || (rem == half && (q & 1u) == 1u));
}

fn is_nan_bits(b: u32) -> bool { return (b & 0x7fffffffu) > 0x7f800000u; }

fn enc_bf16(x: f32) -> u32 {
  let b = bitcast<u32>(x);
  if (is_nan_bits(b)) { return ((b >> 16u) & 0x8000u) | 0x7fc0u; }
  return (b + 0x7fffu + ((b >> 16u) & 1u)) >> 16u;
}

// Generic RNE narrowing of |x| bits to a float with ebias/mbits; returns the magnitude code or 0xffffffff on
// overflow past the largest finite code 'maxc' (after rounding).
fn narrow_mag(a: u32, bias: u32, mbits: u32, maxc: u32) -> u32 {
  let e = a >> 23u;
  let minNormExp = 127u + 1u - bias; // f32 exponent of the smallest normal
  if (e >= minNormExp) {
    let r = a - ((127u - bias) << 23u);
    let drop = 23u - mbits;
    let c = rne_shift(r, drop);
    return select(c, 0xffffffffu, c > maxc);
  }
  // Subnormal of the target: units of 2^(1 - bias - mbits).
  let m = (a & 0x7fffffu) | select(0x800000u, 0u, e == 0u);
  let sh = (minNormExp + 23u - mbits) - max(e, 1u);
  return rne_shift(m, min(sh, 32u));
}

fn enc_f16(x: f32) -> u32 {
  let b = bitcast<u32>(x);
  let s = (b >> 16u) & 0x8000u;
  if (is_nan_bits(b)) { return s | 0x7e00u; }
  let c = narrow_mag(b & 0x7fffffffu, 15u, 10u, 0x7bffu);
  return s | select(c, 0x7c00u, c == 0xffffffffu);
}

// sat: clamp to the largest finite value instead of NaN (e4m3) / infinity (e5m2).
fn enc_e4m3(x: f32, sat: bool) -> u32 {
  let b = bitcast<u32>(x);
  let s = (b >> 24u) & 0x80u;
  if (is_nan_bits(b)) { return s | 0x7fu; }
  let c = narrow_mag(b & 0x7fffffffu, 7u, 3u, 0x7eu);
  return s | select(c, select(0x7fu, 0x7eu, sat), c == 0xffffffffu);
}

fn enc_e5m2(x: f32, sat: bool) -> u32 {
  let b = bitcast<u32>(x);
  let s = (b >> 24u) & 0x80u;
  if (is_nan_bits(b)) { return s | 0x7fu; }
  let c = narrow_mag(b & 0x7fffffffu, 15u, 2u, 0x7bu);
  return s | select(c, select(0x7cu, 0x7bu, sat), c == 0xffffffffu);
}

// e2m1 magnitude code, ties to even, saturating at 6.
fn enc_e2m1(x: f32) -> u32 {
  let b = bitcast<u32>(x);
  let s = select(0u, 8u, (b >> 31u) != 0u);
  let a = abs(x);
  if (is_nan_bits(b)) { return s | 7u; }
  var c = 7u;
  if (a <= 0.25) { c = 0u; } else if (a < 0.75) { c = 1u; } else if (a <= 1.25) { c = 2u; }
  else if (a < 1.75) { c = 3u; } else if (a <= 2.5) { c = 4u; } else if (a < 3.5) { c = 5u; }
  else if (a <= 5.0) { c = 6u; }
  return s | c;
}
`;
