export {
  BF16,
  decodeBf16,
  decodeE2m1,
  decodeE4m3,
  decodeE5m2,
  decodeF16,
  decodeF32,
  E2M1,
  E4M3,
  E5M2,
  encodeBf16,
  encodeE2m1,
  encodeE4m3,
  encodeE5m2,
  encodeF16,
  encodeF32,
  F16,
  F32,
} from './floats.js';
export { encodeInt, INT_RANGE, type IntDType, roundHalfEven } from './ints.js';
export { decodeMiniFloat, defineMiniFloat, encodeMiniFloat, type MiniFloat } from './minifloat.js';
export { decodeUe8m0, encodeUe8m0, UE8M0_NAN, type Ue8m0Round } from './ue8m0.js';
