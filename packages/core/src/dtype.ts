import { fail } from './errors.js';

/** Element types of gemmkit. `e2m1x2` packs two FP4 values per byte (low nibble = even element). */
export type DType =
  | 'f32'
  | 'f16'
  | 'bf16'
  | 'e4m3'
  | 'e5m2'
  | 'e2m1x2'
  | 'ue8m0'
  | 'i8'
  | 'u8'
  | 'i32'
  | 'i64';

export interface DTypeInfo {
  readonly name: DType;
  /** Bytes of one tensor element (for e2m1x2 one element is one byte = two FP4 values). */
  readonly bytes: number;
  readonly kind: 'float' | 'int' | 'scale';
  /** Logical values stored in one element (2 for e2m1x2). */
  readonly valuesPerElement: number;
}

export const DTYPES: Readonly<Record<DType, DTypeInfo>> = {
  f32: { name: 'f32', bytes: 4, kind: 'float', valuesPerElement: 1 },
  f16: { name: 'f16', bytes: 2, kind: 'float', valuesPerElement: 1 },
  bf16: { name: 'bf16', bytes: 2, kind: 'float', valuesPerElement: 1 },
  e4m3: { name: 'e4m3', bytes: 1, kind: 'float', valuesPerElement: 1 },
  e5m2: { name: 'e5m2', bytes: 1, kind: 'float', valuesPerElement: 1 },
  e2m1x2: { name: 'e2m1x2', bytes: 1, kind: 'float', valuesPerElement: 2 },
  ue8m0: { name: 'ue8m0', bytes: 1, kind: 'scale', valuesPerElement: 1 },
  i8: { name: 'i8', bytes: 1, kind: 'int', valuesPerElement: 1 },
  u8: { name: 'u8', bytes: 1, kind: 'int', valuesPerElement: 1 },
  i32: { name: 'i32', bytes: 4, kind: 'int', valuesPerElement: 1 },
  i64: { name: 'i64', bytes: 8, kind: 'int', valuesPerElement: 1 },
};

export const ALL_DTYPES = Object.keys(DTYPES) as DType[];

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && Object.hasOwn(DTYPES, x);
}

export function dtypeInfo(dtype: DType): DTypeInfo {
  if (!isDType(dtype))
    fail('E_DTYPE', 'unknown dtype', { arg: 'dtype', expected: ALL_DTYPES, actual: dtype });
  return DTYPES[dtype];
}

export function dtypeBytes(dtype: DType): number {
  return dtypeInfo(dtype).bytes;
}

export const isFp8 = (d: DType): d is 'e4m3' | 'e5m2' => d === 'e4m3' || d === 'e5m2';
export const isHalf = (d: DType): d is 'f16' | 'bf16' => d === 'f16' || d === 'bf16';
