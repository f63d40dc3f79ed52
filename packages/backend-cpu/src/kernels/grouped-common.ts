import { fail, type Tensor } from '@gemmkit/core';
import { scatterBytes, writeF64 } from '../host.js';

/**
 * Shared pieces of the grouped MoE / indexer CPU kernels.
 *
 * Bad index data (only reachable with `validate: 'fast'`, 'full' rejects it before launch): the kernels clamp
 * or skip every bad entry, never touching memory outside the tensors, finish the rest of the work, and then
 * throw the status error. The CPU backend runs synchronously, so the call itself is the "next sync" at which
 * a device backend would report its status flag.
 */
export function raiseIndexStatus(op: string, arg: string, bad: number): void {
  if (bad > 0)
    fail(
      'E_RANGE',
      `${op}: ${bad} out-of-range index entr${bad === 1 ? 'y was' : 'ies were'} skipped or clamped`,
      {
        arg: `${op}.${arg}`,
        expected: 'index data within the ranges of the contract',
        actual: `${bad} bad entr${bad === 1 ? 'y' : 'ies'}`,
      },
    );
}

/**
 * Dequantize in place a row-major `[rows, k]` block of `values` at `off`: element (r, c) is multiplied by
 * `scale[sOff + floor(r / gRow)·kb + floor(c / gk)]` with `kb = ceil(k / gk)` (row-major block scales).
 * Exact in float64: an fp8 value times an f32 scale needs at most 28 significant bits.
 */
export function scaleBlocks(
  values: Float64Array,
  off: number,
  rows: number,
  k: number,
  scale: Float64Array,
  sOff: number,
  gRow: number,
  gk: number,
): void {
  const kb = Math.ceil(k / gk);
  for (let r = 0; r < rows; r++) {
    const base = off + r * k;
    const sBase = sOff + Math.floor(r / gRow) * kb;
    for (let c = 0; c < k; c++) values[base + c] *= scale[sBase + Math.floor(c / gk)];
  }
}

/**
 * Round and store row-major `values` (from `vOff`) into rows `[start, start + count)` of dimension `dim` of
 * `out`; nothing else of `out` is written (untouched rows keep their exact bits).
 */
export function writeRows(
  out: Tensor,
  dim: number,
  start: number,
  count: number,
  values: Float64Array,
  vOff = 0,
): void {
  if (count <= 0) return;
  const view = out.narrow(dim, start, count);
  writeF64(view, values.subarray(vOff, vOff + view.numel));
}

/** Store int32 values into a (possibly strided) i32 view. */
export function writeI32(t: Tensor, values: Int32Array): void {
  scatterBytes(t, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

/**
 * Write `values[j]` for the positions j of one row where `mask[j]` is set, in maximal contiguous runs, into
 * the 1-row view `row` (`[1, width]`). Positions with `mask[j] = 0` keep their bits.
 */
export function writeMaskedRow(row: Tensor, values: Float64Array, mask: Uint8Array): void {
  const width = mask.length;
  let j = 0;
  while (j < width) {
    if (!mask[j]) {
      j++;
      continue;
    }
    let end = j + 1;
    while (end < width && mask[end]) end++;
    writeF64(row.narrow(1, j, end - j), values.subarray(j, end));
    j = end;
  }
}
