/**
 * Scalar quantizer rules in WGSL (core's quant-rules): FP8 group scale, exact power-of-two (UE8M0) scale
 * choice, and a 256-lane max reduction in workgroup memory.
 */
export const WGSL_QUANT_RULES = /* wgsl */ `
// Correctly rounded x / y. WGSL only promises 2.5 ulp for '/', and some drivers (NVIDIA's Vulkan) divide
// through a reciprocal: a quotient one ulp off can flip an FP8 code at a rounding boundary. The nearest of q
// and its neighbours is picked by their fma residuals |x - c*y| (exact for candidates this close); ties go
// to the even one.
fn div_rn(x: f32, y: f32) -> f32 {
  let q = x / y;
  if (q == 0.0 || !(abs(q) < 3.0e38)) { return q; }
  var best = q;
  var bestR = abs(fma(-q, y, x));
  let qb = bitcast<i32>(q);
  for (var d = -2; d <= 2; d++) {
    if (d == 0) { continue; }
    let c = bitcast<f32>(qb + d);
    let r = abs(fma(-c, y, x));
    if (r < bestR || (r == bestR && (bitcast<i32>(c) & 1) == 0)) {
      best = c;
      bestR = r;
    }
  }
  return best;
}

// Smallest e with fpMax * 2^e >= a (exact comparisons, no log2 rounding trusted), clamped to [-127, 127].
fn ceil_exp_over(a: f32, fpMax: f32) -> i32 {
  var e = clamp(i32(ceil(log2(a / fpMax))), -127, 127);
  for (var i = 0; i < 4; i++) {
    if (e > -127 && ldexp(fpMax, e - 1) >= a) { e = e - 1; }
    if (e < 127 && ldexp(fpMax, e) < a) { e = e + 1; }
  }
  return e;
}

// FP8 dequantization scale of a group with max |x| = amax.
fn fp8_scale(amax: f32, eps: f32, fpMax: f32, ue8m0: bool) -> f32 {
  let a = max(amax, eps);
  if (ue8m0) { return ldexp(1.0, ceil_exp_over(a, fpMax)); }
  return div_rn(a, fpMax);
}

`;

/** Max over a 256-invocation workgroup through workgroup memory. */
export const WGSL_WG_MAX = /* wgsl */ `
var<workgroup> red: array<f32, 256>;
// Max over the workgroup of each lane's v (call from uniform control flow with all 256 lanes).
fn wg_max(li: u32, v: f32) -> f32 {
  red[li] = v;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s = s >> 1u) {
    if (li < s) { red[li] = max(red[li], red[li + s]); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
`;

export const WGSL_QUANT = WGSL_QUANT_RULES + WGSL_WG_MAX;
