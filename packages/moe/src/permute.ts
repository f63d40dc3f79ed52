import { dtypeBytes, fail, type HostStorage, Tensor } from '@gemmkit/core';
import { checkDtype, checkHost, encodedTensor, hostValues } from './host.js';
import type { MaskedLayout } from './masked-layout.js';

/** What permute/unpermute need from a layout (ContiguousLayout and MaskedLayout both fit). */
export interface RowMap {
  /** `[T, k]` i32 destination row of each (token, slot), -1 = dropped. */
  readonly rowOf: Tensor;
  /** Rows of the grouped tensor. */
  readonly totalRows: number;
}

function rowMap(layout: RowMap, op: string): { rowOf: Float64Array; tokens: number; k: number } {
  if (!layout || typeof layout !== 'object' || !('rowOf' in layout))
    fail('E_UNSUPPORTED', 'expected a layout from contiguousLayout or maskedLayout', {
      arg: `${op}.layout`,
      expected: '{ rowOf, totalRows }',
      actual: typeof layout,
    });
  checkHost(layout.rowOf, `${op}.layout.rowOf`);
  checkDtype(layout.rowOf, `${op}.layout.rowOf`, ['i32']);
  const rowOf = hostValues(layout.rowOf);
  for (let i = 0; i < rowOf.length; i++)
    if (!(rowOf[i] === -1 || (rowOf[i] >= 0 && rowOf[i] < layout.totalRows)))
      fail('E_RANGE', 'layout row out of range', {
        arg: `${op}.layout.rowOf`,
        expected: `-1 or [0, ${layout.totalRows})`,
        actual: `${rowOf[i]} at flat index ${i}`,
      });
  const [tokens, k] = layout.rowOf.rank === 2 ? layout.rowOf.shape : [layout.rowOf.numel, 1];
  return { rowOf, tokens, k };
}

/** A caller's output: host, contiguous, exact dtype and shape. */
function checkOut(out: Tensor, arg: string, dtype: string, shape: readonly number[]): Uint8Array {
  checkHost(out, arg);
  if (out.dtype !== dtype)
    fail('E_DTYPE', 'output dtype mismatch', { arg, expected: dtype, actual: out.dtype });
  if (out.rank !== shape.length || out.shape.some((d, i) => d !== shape[i]))
    fail('E_SHAPE', 'output shape mismatch', { arg, expected: shape, actual: out.shape });
  if (!out.isContiguous)
    fail('E_LAYOUT', 'output must be contiguous', { arg, expected: 'contiguous', actual: out.strides });
  const eb = dtypeBytes(out.dtype);
  return (out.storage as HostStorage).bytes.subarray(out.offset * eb, (out.offset + out.numel) * eb);
}

/**
 * Scatter token rows into the grouped layout: `out[rowOf[t, j]] = x[t]` for every slot j (any dtype; bytes
 * are copied exactly, so FP8 data and its per-token scales permute alike). Rows no slot maps to are left
 * untouched in a given `out`, zero in a fresh one.
 */
export function permute(x: Tensor, layout: RowMap, opts: { out?: Tensor } = {}): Tensor {
  const op = 'moe.permute';
  checkHost(x, `${op}.x`);
  const { rowOf, tokens, k } = rowMap(layout, op);
  if (x.rank < 1 || x.shape[0] !== tokens)
    fail('E_SHAPE', 'x must have one row per token of the layout', {
      arg: `${op}.x`,
      expected: `[${tokens}, ...]`,
      actual: x.shape,
    });
  const shape = [layout.totalRows, ...x.shape.slice(1)];
  const out = opts.out ?? Tensor.host(x.dtype, shape);
  const dst = checkOut(out, `${op}.out`, x.dtype, shape);
  const src = x.hostBytes();
  const rowBytes = tokens === 0 ? 0 : src.length / tokens;
  for (let t = 0; t < tokens; t++)
    for (let j = 0; j < k; j++) {
      const r = rowOf[t * k + j];
      if (r >= 0) dst.set(src.subarray(t * rowBytes, (t + 1) * rowBytes), r * rowBytes);
    }
  return out;
}

export interface UnpermuteOptions {
  /** `[T, k]` f32/f16/bf16 combine weights (default 1 for every slot). */
  topkWeights?: Tensor;
  /** Output dtype (default: y's dtype when it is f32/f16/bf16, else f32). */
  outDtype?: 'f32' | 'f16' | 'bf16';
  out?: Tensor;
}

/**
 * Gather grouped rows back to tokens with the weighted combine:
 * `out[t] = round( Σ_j w[t, j] · y[rowOf[t, j]] )`, float64 accumulation, dropped slots skipped.
 */
export function unpermute(y: Tensor, layout: RowMap, opts: UnpermuteOptions = {}): Tensor {
  const op = 'moe.unpermute';
  checkHost(y, `${op}.y`);
  const { rowOf, tokens, k } = rowMap(layout, op);
  if (y.rank < 1 || y.shape[0] !== layout.totalRows)
    fail('E_SHAPE', "y must have the layout's rows", {
      arg: `${op}.y`,
      expected: `[${layout.totalRows}, ...]`,
      actual: y.shape,
    });
  let w: Float64Array | null = null;
  if (opts.topkWeights !== undefined) {
    checkHost(opts.topkWeights, `${op}.topkWeights`);
    checkDtype(opts.topkWeights, `${op}.topkWeights`, ['f32', 'f16', 'bf16']);
    if (opts.topkWeights.numel !== tokens * k || opts.topkWeights.shape[0] !== tokens)
      fail('E_SHAPE', 'topkWeights must be [T, k] like the layout', {
        arg: `${op}.topkWeights`,
        expected: [tokens, k],
        actual: opts.topkWeights.shape,
      });
    w = hostValues(opts.topkWeights);
  }
  const outDtype = opts.outDtype ?? (['f32', 'f16', 'bf16'].includes(y.dtype) ? (y.dtype as 'f32') : 'f32');
  if (!['f32', 'f16', 'bf16'].includes(outDtype))
    fail('E_UNSUPPORTED', 'unsupported output dtype', {
      arg: `${op}.outDtype`,
      expected: ['f32', 'f16', 'bf16'],
      actual: outDtype,
    });
  const v = hostValues(y);
  const width = layout.totalRows === 0 ? 0 : v.length / layout.totalRows;
  const acc = new Float64Array(tokens * width);
  for (let t = 0; t < tokens; t++)
    for (let j = 0; j < k; j++) {
      const r = rowOf[t * k + j];
      if (r < 0) continue;
      const wt = w ? w[t * k + j] : 1;
      for (let c = 0; c < width; c++) acc[t * width + c] += wt * v[r * width + c];
    }
  const shape = [tokens, ...y.shape.slice(1)];
  const result = encodedTensor(outDtype, acc, shape);
  if (!opts.out) return result;
  checkOut(opts.out, `${op}.out`, outDtype, shape).set(result.hostBytes());
  return opts.out;
}

/** Pack token rows into masked slabs `[E, maxM, ...]`; rows at or beyond maskedM[e] are left untouched. */
export function packMasked(x: Tensor, layout: MaskedLayout, opts: { out?: Tensor } = {}): Tensor {
  const op = 'moe.packMasked';
  checkHost(x, `${op}.x`);
  const shape = [layout.numExperts, layout.maxM, ...x.shape.slice(1)];
  const out = opts.out ?? Tensor.host(x.dtype, shape);
  checkOut(out, `${op}.out`, x.dtype, shape);
  permute(x, layout, { out: out.reshape([layout.totalRows, ...x.shape.slice(1)]) });
  return out;
}

/** Combine masked-GEMM output `[E, maxM, ...]` back to tokens (see unpermute). */
export function unpackMasked(y: Tensor, layout: MaskedLayout, opts: UnpermuteOptions = {}): Tensor {
  const op = 'moe.unpackMasked';
  checkHost(y, `${op}.y`);
  if (y.rank < 2 || y.shape[0] !== layout.numExperts || y.shape[1] !== layout.maxM)
    fail('E_SHAPE', 'y must be [E, maxM, ...]', {
      arg: `${op}.y`,
      expected: `[${layout.numExperts}, ${layout.maxM}, ...]`,
      actual: y.shape,
    });
  const flat = Tensor.host(y.dtype, [layout.totalRows, ...y.shape.slice(2)], y.hostBytes().slice());
  return unpermute(flat, layout, opts);
}
