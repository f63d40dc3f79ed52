import { decodeMiniFloat, defineMiniFloat, encodeMiniFloat } from './minifloat.js';

/** IEEE binary16: max 65504, overflow → inf. */
export const F16 = defineMiniFloat('f16', 5, 10, 15, 'ieee');
/** bfloat16: the top half of a float32. */
export const BF16 = defineMiniFloat('bf16', 8, 7, 127, 'ieee');
/** OCP FP8 E4M3 "fn": no inf, NaN = 0x7f/0xff, max 448. */
export const E4M3 = defineMiniFloat('e4m3', 4, 3, 7, 'fn');
/** OCP FP8 E5M2: IEEE-like, has inf, max 57344. */
export const E5M2 = defineMiniFloat('e5m2', 5, 2, 15, 'ieee');
/** OCP FP4 E2M1: 0, .5, 1, 1.5, 2, 3, 4, 6 and negatives (bit 3 = sign); no inf/NaN, always saturates. */
export const E2M1 = defineMiniFloat('e2m1', 2, 1, 1, 'none');
/** IEEE binary32 (used by tests as a reference; bulk f32 encode uses Math.fround, which is the same). */
export const F32 = defineMiniFloat('f32', 8, 23, 127, 'ieee');

export const encodeF16 = (x: number, saturate = false): number => encodeMiniFloat(F16, x, saturate);
export const decodeF16 = (bits: number): number => decodeMiniFloat(F16, bits);
export const decodeBf16 = (bits: number): number => decodeMiniFloat(BF16, bits);
export const encodeE4m3 = (x: number, saturate = false): number => encodeMiniFloat(E4M3, x, saturate);
export const decodeE4m3 = (code: number): number => decodeMiniFloat(E4M3, code);
export const encodeE5m2 = (x: number, saturate = false): number => encodeMiniFloat(E5M2, x, saturate);
export const decodeE5m2 = (code: number): number => decodeMiniFloat(E5M2, code);
/** 4-bit code of `x` (always saturating to ±6). */
export const encodeE2m1 = (x: number): number => encodeMiniFloat(E2M1, x, true);
export const decodeE2m1 = (nibble: number): number => decodeMiniFloat(E2M1, nibble & 0xf);

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** bf16 bits of `x` (round to nearest even straight from float64; overflow → ±inf, or ±max with saturate). */
export const encodeBf16 = (x: number, saturate = false): number => encodeMiniFloat(BF16, x, saturate);

/** float32 bits of `x` (Math.fround rounds to nearest even, subnormals and overflow included). */
export function encodeF32(x: number): number {
  f32[0] = x;
  return Number.isNaN(x) ? 0x7fc00000 : u32[0];
}

export function decodeF32(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0];
}
