/**
 * Scalar rules of the quantizers (DeepGEMM / FlashInfer semantics). Every backend must follow them; the
 * CPU reference evaluates them in float64 and rounds once.
 */

/** Largest finite value of each quantized element format. */
export const FP8_MAX = { e4m3: 448, e5m2: 57344 } as const;
export const E2M1_MAX = 6;
/** amax of a group is clamped to at least this before the scale is derived (DeepGEMM uses 1e-4). */
export const DEFAULT_AMAX_EPS = 1e-4;
/** Default NVFP4 global scale numerator: e4m3 max x e2m1 max. */
export const NVFP4_GLOBAL_NUMERATOR = FP8_MAX.e4m3 * E2M1_MAX;
/** ue8m0 byte b means 2^(b-127); 255 is NaN, so exponents live in [-127, 127]. */
export const UE8M0_MIN_EXP = -127;
export const UE8M0_MAX_EXP = 127;

/** The exponent e of the smallest power of two 2^e >= x (x > 0 finite; else Math.log2(x)), exact. */
export function ceilLog2(x: number): number {
  if (!(x > 0 && x < Number.POSITIVE_INFINITY)) return Math.log2(x); // -inf, +inf or NaN: no loop
  let e = Math.ceil(Math.log2(x));
  while (2 ** (e - 1) >= x) e--;
  while (2 ** e < x) e++;
  return e + 0; // never -0
}

/** The exponent e of the largest power of two 2^e <= x (x > 0). */
export function floorLog2(x: number): number {
  if (!(x > 0 && x < Number.POSITIVE_INFINITY)) return Math.log2(x);
  let e = Math.floor(Math.log2(x));
  while (2 ** (e + 1) <= x) e++;
  while (2 ** e > x) e--;
  return e + 0; // never -0
}

const clampExp = (e: number) => Math.min(UE8M0_MAX_EXP, Math.max(UE8M0_MIN_EXP, e));

/**
 * Dequantization scale of one FP8 group: `s = f32(max(amax, eps) / fpMax)`; with `ue8m0` the scale is
 * rounded UP to a power of two `2^ceil(log2(max(amax, eps) / fpMax))` so no element saturates.
 */
export function fp8GroupScale(amax: number, fpMax: number, eps: number, ue8m0: boolean): number {
  const a = Math.max(amax, eps);
  if (ue8m0) return 2 ** clampExp(ceilLog2(a / fpMax));
  return Math.fround(a / fpMax);
}

/** Default NVFP4 global (encode-side) scale: `f32(448·6 / max(amax, eps))` (FlashInfer's global_sf). */
export function nvfp4GlobalScale(amax: number, eps: number): number {
  return Math.fround(NVFP4_GLOBAL_NUMERATOR / Math.max(amax, eps));
}

/**
 * MXFP4 shared exponent of a 32-block. 'up' (FlashInfer/TensorRT-LLM): smallest e with 6·2^e >= amax,
 * nothing saturates. 'ocp' (OCP MX v1.0): e = floor(log2(amax)) - 2, the top of the range may clip to 6.
 * amax == 0 gives the smallest exponent. Clamped to the ue8m0 range.
 */
export function mxfp4Exponent(amax: number, rounding: 'up' | 'ocp'): number {
  if (!(amax > 0)) return UE8M0_MIN_EXP;
  return clampExp(rounding === 'up' ? ceilLog2(amax / E2M1_MAX) : floorLog2(amax) - 2);
}
