import { checkDtype, checkRank, checkShape, checkTensor } from '../check.js';
import { dtypeBytes } from '../dtype.js';
import { fail } from '../errors.js';
import { defineOp } from '../op.js';
import type { Tensor } from '../tensor.js';
import {
  checkAlign,
  checkArgs,
  checkDtypeOption,
  checkKContiguous,
  checkOut,
  checkRowMajor,
  checkScalarF32,
  option,
} from './common/checks.js';
import { fp4ScaleShape } from './common/fp4.js';

export type Fp4Format = 'nvfp4' | 'mxfp4';
export type Fp4ScaleLayout = 'swizzle128x4' | 'linear';

export interface MmFp4Args {
  /** `[M, K/2]` e2m1x2 (FP4 pairs along K), row-major; or `[M, K]` bf16 for W4A16. */
  a: Tensor;
  /** `[K/2, N]` e2m1x2 with K contiguous (a transposed `[N, K/2]` row-major weight). */
  b: Tensor;
  /** Block scales of `a` (FP4 `a` only): e4m3 per 16 (nvfp4) or ue8m0 per 32 (mxfp4), in `scaleLayout`. */
  aScale?: Tensor;
  /** Block scales of `b`, same encoding and layout, rows = N. */
  bScale: Tensor;
  /** f32 `[1]` global scale (NVFP4: 1/(aGlobal·bGlobal)); default 1. */
  alpha?: Tensor;
  /** Default 'nvfp4'. */
  format?: Fp4Format;
  /**
   * Default 'swizzle128x4': the scale tensor is `[roundup(rows,128), roundup(K/vec,4)]` (or that many bytes
   * flat, as quantNvfp4/quantMxfp4 return them) holding
   * (r, kb) at `(r/128 · Kpad/4 + kb/4)·512 + (r%32)·16 + ((r%128)/32)·4 + kb%4`. 'linear': `[rows, K/vec]` row-major.
   */
  scaleLayout?: Fp4ScaleLayout;
  outDtype: 'bf16' | 'f16';
  out?: Tensor;
}

export interface MmFp4Plan {
  m: number;
  n: number;
  k: number;
  format: Fp4Format;
  /** Values per scale: 16 (nvfp4) or 32 (mxfp4). */
  vec: number;
  scaleDtype: 'e4m3' | 'ue8m0';
  scaleLayout: Fp4ScaleLayout;
  /** 'fp4': both operands FP4; 'bf16': W4A16 (bf16 activations × FP4 weight). */
  aKind: 'fp4' | 'bf16';
  outDtype: 'bf16' | 'f16';
  outShape: [number, number];
  aScaleShape: [number, number];
  bScaleShape: [number, number];
}

export const mmFp4 = defineOp<MmFp4Args, MmFp4Plan, Tensor>({
  name: 'mmFp4',
  doc: [
    'out[m,n] = round_out( alpha · Σ_k â[m,k]·b̂[k,n] ), float64 sums. FP4 operands dequantize exactly:',
    'â[m,k] = e2m1(a[m,k]) · scale(aScale, m, ⌊k/vec⌋), b̂[k,n] = e2m1(b[k,n]) · scale(bScale, n, ⌊k/vec⌋),',
    'scale = e4m3 (nvfp4, vec 16) or 2^(u-127) (mxfp4 ue8m0, vec 32), read through scaleLayout. W4A16: a is',
    'bf16 and used as is. alpha = alpha[0] or 1. K % 32 = 0. e2m1 pairs: low nibble = even k.',
  ].join(' '),
  validate(args) {
    checkArgs(args, 'mmFp4', [
      'a',
      'b',
      'aScale',
      'bScale',
      'alpha',
      'format',
      'scaleLayout',
      'outDtype',
      'out',
    ]);
    checkTensor(args.a, 'mmFp4.a');
    checkTensor(args.b, 'mmFp4.b');
    checkRank(args.a, 'mmFp4.a', 2);
    checkDtype(args.a, 'mmFp4.a', ['e2m1x2', 'bf16']);
    checkRank(args.b, 'mmFp4.b', 2);
    checkDtype(args.b, 'mmFp4.b', ['e2m1x2']);
    const aKind = args.a.dtype === 'bf16' ? 'bf16' : 'fp4';
    const m = args.a.shape[0];
    const k = aKind === 'bf16' ? args.a.shape[1] : 2 * args.a.shape[1];
    if (args.b.shape[0] * 2 !== k)
      fail('E_SHAPE', 'b must be [K/2, N] (FP4 pairs along K)', {
        arg: 'mmFp4.b',
        expected: [k / 2, '*'],
        actual: args.b.shape,
      });
    const n = args.b.shape[1];
    checkRowMajor(args.a, 'mmFp4.a');
    checkKContiguous(args.b, 'mmFp4.b');
    checkAlign(k, 32, 'mmFp4.a', 'K');
    const format = option(args.format, 'mmFp4.format', ['nvfp4', 'mxfp4'], 'nvfp4');
    const scaleLayout = option(
      args.scaleLayout,
      'mmFp4.scaleLayout',
      ['swizzle128x4', 'linear'],
      'swizzle128x4',
    );
    const vec = format === 'nvfp4' ? 16 : 32;
    const scaleDtype = format === 'nvfp4' ? 'e4m3' : 'ue8m0';
    const aScaleShape = fp4ScaleShape(m, k / vec, scaleLayout);
    const bScaleShape = fp4ScaleShape(n, k / vec, scaleLayout);
    const checkScale = (t: Tensor | undefined, arg: string, shape: [number, number]) => {
      checkTensor(t, arg);
      checkDtype(t, arg, [scaleDtype]);
      // Swizzled scales may also come flat (`[rowsPad·kPad]`, as the quantizers return them): same bytes.
      if (!(scaleLayout === 'swizzle128x4' && t.rank === 1 && t.shape[0] === shape[0] * shape[1]))
        checkShape(t, arg, shape);
      if (!t.isContiguous)
        fail('E_LAYOUT', 'block scales must be contiguous', {
          arg,
          expected: 'contiguous',
          actual: t.strides,
        });
    };
    if (aKind === 'fp4') checkScale(args.aScale, 'mmFp4.aScale', aScaleShape);
    else if (args.aScale !== undefined)
      fail('E_UNSUPPORTED', 'a bf16 activation (W4A16) takes no aScale', {
        arg: 'mmFp4.aScale',
        expected: 'undefined',
        actual: 'Tensor',
      });
    checkScale(args.bScale, 'mmFp4.bScale', bScaleShape);
    if (args.alpha !== undefined) checkScalarF32(args.alpha, 'mmFp4.alpha');
    checkDtypeOption(args.outDtype, 'mmFp4.outDtype', ['bf16', 'f16'] as const);
    checkOut(args.out, 'mmFp4.out', [m, n], args.outDtype);
    return {
      m,
      n,
      k,
      format,
      vec,
      scaleDtype,
      scaleLayout,
      aKind,
      outDtype: args.outDtype,
      outShape: [m, n],
      aScaleShape,
      bScaleShape,
    };
  },
  flops: (p) => 2 * p.m * p.n * p.k,
  bytes: (p) =>
    (p.aKind === 'bf16' ? 2 * p.m * p.k : p.m * (p.k / 2) + p.aScaleShape[0] * p.aScaleShape[1]) +
    p.n * (p.k / 2) +
    p.bScaleShape[0] * p.bScaleShape[1] +
    p.m * p.n * dtypeBytes(p.outDtype),
});
