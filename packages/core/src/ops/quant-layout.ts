import { fail } from '../errors.js';

/**
 * Scale-factor layouts shared by the quantizer ops and the GEMMs that read their scales (brief §8).
 * Pure index math, no tensors: the same functions serve every backend's host code and the tests.
 */

export const ceilDiv = (a: number, b: number): number => Math.floor((a + b - 1) / b);
export const roundUp = (a: number, b: number): number => ceilDiv(a, b) * b;

/** Rows and columns of the 128x4 swizzled scale layout: `[roundup(rows,128), roundup(cols,4)]`. */
export function swizzled128x4Shape(rows: number, cols: number): { rows: number; cols: number; size: number } {
  const r = roundUp(rows, 128);
  const c = roundUp(cols, 4);
  return { rows: r, cols: c, size: r * c };
}

/**
 * Byte offset of scale (m, kb) in the 128x4 swizzled layout with `paddedCols = roundup(cols, 4)`:
 * `(m/128 · paddedCols/4 + kb/4)·512 + (m%32)·16 + ((m%128)/32)·4 + kb%4`.
 * Each 512-byte atom holds 128 rows x 4 columns; within it rows m, m+32, m+64, m+96 sit next to each other
 * so that one 16-byte load serves the four 32-row slices of a tensor-core tile.
 */
export function swizzle128x4Offset(m: number, kb: number, paddedCols: number): number {
  const tile = Math.floor(m / 128) * (paddedCols / 4) + Math.floor(kb / 4);
  return tile * 512 + (m % 32) * 16 + Math.floor((m % 128) / 32) * 4 + (kb % 4);
}

/** Rows padded for a TMA-aligned MN-major scale: every column starts on a 16-byte boundary. */
export function tmaAlignedRows(rows: number, elementBytes: number): number {
  if (elementBytes !== 1 && elementBytes !== 2 && elementBytes !== 4)
    fail('E_DTYPE', 'TMA-aligned scales need 1, 2 or 4-byte elements', {
      arg: 'scale',
      expected: [1, 2, 4],
      actual: elementBytes,
    });
  return roundUp(rows, 16 / elementBytes);
}

/**
 * Strides of a `[...batch, rows, cols]` scale stored MN-major and TMA-aligned: within one batch entry the
 * storage is `[cols, tmaAlignedRows(rows)]` row-major, i.e. element (r, c) sits at `c·rowsPadded + r`.
 */
export function mnMajorStrides(shape: readonly number[], elementBytes: number): number[] {
  const rank = shape.length;
  if (rank < 2)
    fail('E_SHAPE', 'MN-major scales need rank >= 2', {
      arg: 'scale',
      expected: 'rank >= 2',
      actual: shape,
    });
  const rows = shape[rank - 2];
  const cols = shape[rank - 1];
  const rp = tmaAlignedRows(rows, elementBytes);
  const strides = new Array<number>(rank);
  strides[rank - 2] = 1;
  strides[rank - 1] = rp;
  let s = rp * cols;
  for (let d = rank - 3; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

/** Elements of storage an MN-major TMA-aligned scale of `shape` needs (padding included). */
export function mnMajorStorageElements(shape: readonly number[], elementBytes: number): number {
  const rank = shape.length;
  let n = tmaAlignedRows(shape[rank - 2], elementBytes) * shape[rank - 1];
  for (let d = 0; d < rank - 2; d++) n *= shape[d];
  return n;
}

/** Linear row-major `[rows, cols]` scale bytes → 128x4 swizzled bytes (padding entries are 0). */
export function swizzle128x4(linear: Uint8Array, rows: number, cols: number): Uint8Array {
  const p = swizzled128x4Shape(rows, cols);
  const out = new Uint8Array(p.size);
  for (let m = 0; m < rows; m++)
    for (let kb = 0; kb < cols; kb++) out[swizzle128x4Offset(m, kb, p.cols)] = linear[m * cols + kb];
  return out;
}

/** 128x4 swizzled scale bytes → linear row-major `[rows, cols]` (padding dropped). */
export function unswizzle128x4(swizzled: Uint8Array, rows: number, cols: number): Uint8Array {
  const p = swizzled128x4Shape(rows, cols);
  const out = new Uint8Array(rows * cols);
  for (let m = 0; m < rows; m++)
    for (let kb = 0; kb < cols; kb++) out[m * cols + kb] = swizzled[swizzle128x4Offset(m, kb, p.cols)];
  return out;
}
