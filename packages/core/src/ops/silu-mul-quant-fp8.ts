import { fail } from '../errors.js';
import { defineOp } from '../op.js';
import type { Tensor } from '../tensor.js';
import { MOE_FLOAT_DTYPES, moeIntOption, moeOperand, moeOut } from './moe-common.js';
import { boolOption, epsOption, FP8_DTYPES, option, type QuantResult } from './quant-common.js';
import { ceilDiv } from './quant-layout.js';

export interface SiluMulQuantFp8Args {
  /** `[M, 2I]` f32/f16/bf16 gate-up GEMM output, contiguous: columns [0, I) gate, [I, 2I) up. */
  x: Tensor;
  /** Elements per scale along I (default 128, DeepGEMM's 1x128). */
  groupSize?: number;
  outDtype?: 'e4m3' | 'e5m2';
  /** Round scales up to powers of two (UE8M0 values stored as f32). Default false. */
  ue8m0?: boolean;
  /** Lower clamp of each group's amax (default 1e-4). */
  eps?: number;
  /**
   * `[M]` i32 expert id per row (moeAlignLayout's `mIndices`): rows with a negative id are padding — their
   * codes and scales are written as 0 without reading x (the grouped GEMM left them unwritten).
   */
  mIndices?: Tensor;
  /** `[M, I]` FP8 output. */
  out?: Tensor;
  /** `[M, ceil(I/G)]` f32 scales, K-major. */
  outScale?: Tensor;
}

export interface SiluMulQuantFp8Plan {
  m: number;
  inter: number;
  groupSize: number;
  groups: number;
  inDtype: 'f32' | 'f16' | 'bf16';
  outDtype: 'e4m3' | 'e5m2';
  ue8m0: boolean;
  eps: number;
  masked: boolean;
}

const OP = 'siluMulQuantFp8';

export const siluMulQuantFp8 = defineOp<SiluMulQuantFp8Args, SiluMulQuantFp8Plan, QuantResult>({
  name: OP,
  doc:
    'SwiGLU activation fused with per-token FP8 quantization (the step between the two MoE GEMMs): ' +
    'y[m, c] = silu(x[m, c]) · x[m, I + c], silu(v) = v / (1 + e^-v), kept unrounded (no intermediate ' +
    'bf16); then per row m and group g of G columns (partial last group): amax = max |y[m, gG..gG+G)|, ' +
    's[m, g] = f32(max(amax, eps) / fpMax) (ue8m0: 2^ceil(log2(max(amax, eps) / fpMax))), ' +
    'data[m, c] = fp8(y[m, c] / s[m, g]) RNE saturating — the same rule as quantPerTokenFp8 applied to y. ' +
    'The reference computes y, amax and the quotient in float64; devices in f32. Scales `[M, ceil(I/G)]` f32. ' +
    'With mIndices, rows whose id is negative get zero codes and zero scales and x is not read there.',
  validate(args) {
    moeOperand(args.x, `${OP}.x`, MOE_FLOAT_DTYPES, [undefined, undefined], ['M', '2I']);
    const [m, twoI] = args.x.shape;
    if (twoI % 2 !== 0 || twoI === 0)
      fail('E_SHAPE', 'x must hold gate and up halves: an even, non-zero number of columns', {
        arg: `${OP}.x`,
        expected: '[M, 2I] with I >= 1',
        actual: args.x.shape,
      });
    const inter = twoI / 2;
    const groupSize = moeIntOption(args.groupSize, `${OP}.groupSize`, 128, 4096);
    const outDtype = option(args.outDtype, `${OP}.outDtype`, FP8_DTYPES, 'e4m3');
    const ue8m0 = boolOption(args.ue8m0, `${OP}.ue8m0`, false);
    const eps = epsOption(args.eps, `${OP}.eps`);
    const groups = ceilDiv(inter, groupSize);
    if (args.mIndices !== undefined) moeOperand(args.mIndices, `${OP}.mIndices`, ['i32'], [m], ['M']);
    moeOut(args.out, `${OP}.out`, outDtype, [m, inter]);
    moeOut(args.outScale, `${OP}.outScale`, 'f32', [m, groups]);
    return {
      m,
      inter,
      groupSize,
      groups,
      inDtype: args.x.dtype as SiluMulQuantFp8Plan['inDtype'],
      outDtype,
      ue8m0,
      eps,
      masked: args.mIndices !== undefined,
    };
  },
  flops: (p) => 8 * p.m * p.inter,
  bytes: (p) => p.m * 2 * p.inter * (p.inDtype === 'f32' ? 4 : 2) + p.m * p.inter + 4 * p.m * p.groups,
});
