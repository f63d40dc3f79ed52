import { type DType, fail } from '@gemmkit/core';

/** Element type codes of the CUDA kernels (kernels/common/numeric.cuh GK_T_*). */
export const T = { f16: 0, bf16: 1, e4m3: 2, e5m2: 3, e2m1: 4, f32: 5 } as const;
export type TypeCode = (typeof T)[keyof typeof T];

/** Scale encodings (GK_ENC_*). */
export const ENC = { f32: 0, ue8m0: 1, e4m3: 2 } as const;

/** MMA instruction kinds (kernels/common/mma.cuh GK_MMA_*). */
export const MMA = { f16: 0, bf16: 1, fp8: 2 } as const;

/** Scale handling of the GEMM mainloop (kernels/common/gemm_core.cuh GK_SCALE_*). */
export const SCALE = { none: 0, epilogue: 1, promote128: 2, inline: 3 } as const;

/** Problem mappings (kernels/common/gemm_params.cuh GK_MAP_*). */
export const MAP = {
  dense: 0,
  raggedMToken: 1,
  raggedMPsum: 2,
  raggedMCount: 3,
  masked: 4,
  raggedK: 5,
  segment: 6,
  segmentLens: 7,
} as const;

/** Type code of a tensor dtype (e2m1x2 -> e2m1). */
export function typeCode(d: DType, arg: string): TypeCode {
  switch (d) {
    case 'f16':
      return T.f16;
    case 'bf16':
      return T.bf16;
    case 'e4m3':
      return T.e4m3;
    case 'e5m2':
      return T.e5m2;
    case 'e2m1x2':
      return T.e2m1;
    case 'f32':
      return T.f32;
    default:
      return fail('E_DTYPE', 'dtype has no CUDA kernel type code', {
        arg,
        expected: ['f16', 'bf16', 'e4m3', 'e5m2', 'e2m1x2', 'f32'],
        actual: d,
      });
  }
}

export function encCode(d: DType, arg: string): number {
  if (d === 'f32') return ENC.f32;
  if (d === 'ue8m0' || d === 'u8') return ENC.ue8m0;
  if (d === 'e4m3') return ENC.e4m3;
  return fail('E_DTYPE', 'unsupported scale dtype', { arg, expected: ['f32', 'ue8m0', 'e4m3'], actual: d });
}
