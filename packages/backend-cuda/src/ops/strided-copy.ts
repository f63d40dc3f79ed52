import { dtypeBytes, fail, type KernelContext, type Tensor } from '@gemmkit/core';
import { addr, cdiv, kernelFrom, rtOf } from './common.js';
import { KERNEL_INSTANCES } from './instances.js';

/** kernels/strided_copy.cu: dense gathers of strided views (one entry per element size, plus i32 -> i64). */
export const STRIDED_COPY = (() => {
  const q = KERNEL_INSTANCES.find((i) => i.file === 'strided_copy.cu');
  if (!q)
    return fail('E_UNSUPPORTED', 'strided_copy.cu missing from KERNEL_INSTANCES', { arg: 'strided_copy.cu' });
  return q;
})();

/** Slots of GkStridedView (GK_COPY_MAX_DIMS in the kernel). */
export const COPY_MAX_DIMS = 8;
/** sizeof(GkStridedView): sizes[8], strides[8], numel, all int64. */
export const STRIDED_VIEW_BYTES = (2 * COPY_MAX_DIMS + 1) * 8;

const ENTRY: Record<number, string> = {
  1: 'gk_strided_copy_b1',
  2: 'gk_strided_copy_b2',
  4: 'gk_strided_copy_b4',
  8: 'gk_strided_copy_b8',
};

/**
 * The view's dimensions with size-1 ones dropped and neighbours merged where the outer stride equals
 * inner stride × inner size (a dense tensor collapses to one dimension), outermost first.
 */
export function collapseView(shape: readonly number[], strides: readonly number[]) {
  const sizes: number[] = [];
  const st: number[] = [];
  // Walk inner to outer; sizes[0] / st[0] is the outermost dimension kept so far.
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (sizes.length > 0 && strides[i] === st[0] * sizes[0]) sizes[0] *= shape[i];
    else {
      sizes.unshift(shape[i]);
      st.unshift(strides[i]);
    }
  }
  return { sizes, strides: st };
}

/** Reused by `launchStridedCopy` (the launch copies argument bytes before it returns; see PARAMS_SCRATCH). */
const VIEW_SCRATCH = new Uint8Array(STRIDED_VIEW_BYTES);

/**
 * GkStridedView bytes: the collapsed dims right-aligned in the slots, leading slots size 1 / stride 0.
 * `into` (default: a new array) may be a reused buffer when the bytes are consumed at once.
 */
export function packStridedView(
  t: Tensor,
  arg: string,
  into = new Uint8Array(STRIDED_VIEW_BYTES),
): Uint8Array {
  const { sizes, strides } = collapseView(t.shape, t.strides);
  if (sizes.length > COPY_MAX_DIMS)
    fail('E_UNSUPPORTED', 'too many non-mergeable strided dimensions for the CUDA gather', {
      arg,
      expected: `<= ${COPY_MAX_DIMS} after merging`,
      actual: t.strides,
    });
  const bytes = into;
  const v = new DataView(bytes.buffer, bytes.byteOffset, STRIDED_VIEW_BYTES);
  const lead = COPY_MAX_DIMS - sizes.length;
  for (let d = 0; d < COPY_MAX_DIMS; d++) {
    const k = d - lead;
    v.setBigInt64(d * 8, BigInt(k >= 0 ? sizes[k] : 1), true);
    v.setBigInt64((COPY_MAX_DIMS + d) * 8, BigInt(k >= 0 ? strides[k] : 0), true);
  }
  v.setBigInt64(2 * COPY_MAX_DIMS * 8, BigInt(t.numel), true);
  return bytes;
}

/**
 * Enqueue dst = src gathered densely (row-major), `dst` a dense tensor of the same shape: same element size,
 * or i32 -> i64 (sign-extended). Offsets and any strides (negative, zero) of `src` are honoured.
 */
export function launchStridedCopy(kctx: KernelContext, src: Tensor, dst: Tensor, arg: string): void {
  const rt = rtOf(kctx);
  const widen = src.dtype === 'i32' && dst.dtype === 'i64';
  const eb = dtypeBytes(src.dtype);
  const name = widen ? 'gk_strided_widen_i32_i64' : ENTRY[eb];
  if (!name || (!widen && dtypeBytes(dst.dtype) !== eb))
    fail('E_UNSUPPORTED', 'no CUDA gather for this element pair', {
      arg,
      expected: 'equal 1/2/4/8-byte elements, or i32 -> i64',
      actual: `${src.dtype} -> ${dst.dtype}`,
    });
  if (!dst.isContiguous || dst.numel !== src.numel)
    fail('E_LAYOUT', 'the gather target must be dense with the source element count', {
      arg,
      expected: `${src.numel} contiguous elements`,
      actual: { shape: dst.shape, strides: dst.strides },
    });
  const n = src.numel;
  if (n === 0) return;
  kernelFrom(rt, STRIDED_COPY, name).launch({
    grid: [Math.min(cdiv(n, 256), 65535)],
    block: [256],
    args: [
      addr(rt, src, arg),
      addr(rt, dst, arg),
      { bytes: packStridedView(src, arg, VIEW_SCRATCH), align: 8 },
    ],
  });
}
