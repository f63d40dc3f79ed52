import type { DType } from '../dtype.js';
import { E2M1, E4M3, E5M2, F16 } from './floats.js';
import { decodeMiniFloat, type MiniFloat } from './minifloat.js';
import { decodeUe8m0 } from './ue8m0.js';

/**
 * Decode tables, built on first use (importing builds nothing). Every value of these formats is exact
 * in float32, so one Float32Array table serves both decodeArray and decodeToFloat64.
 */
const cache = new Map<string, Float32Array>();

function build(key: string, n: number, fn: (code: number) => number): Float32Array {
  let t = cache.get(key);
  if (!t) {
    t = new Float32Array(n);
    for (let c = 0; c < n; c++) t[c] = fn(c);
    cache.set(key, t);
  }
  return t;
}

const mini = (f: MiniFloat, n: number) => build(f.name, n, (c) => decodeMiniFloat(f, c));

/** 256-entry table for a one-byte dtype (e2m1x2 is handled per nibble with `e2m1Table`). */
export function byteTable(dtype: DType): Float32Array | undefined {
  switch (dtype) {
    case 'e4m3':
      return mini(E4M3, 256);
    case 'e5m2':
      return mini(E5M2, 256);
    case 'ue8m0':
      return build('ue8m0', 256, decodeUe8m0);
    case 'u8':
      return build('u8', 256, (c) => c);
    case 'i8':
      return build('i8', 256, (c) => (c << 24) >> 24);
    default:
      return undefined;
  }
}

export const e2m1Table = (): Float32Array => mini(E2M1, 16);

/** 65536-entry f16 table (256 KiB), only used when the host has no native Float16Array. */
export const f16Table = (): Float32Array => mini(F16, 65536);
