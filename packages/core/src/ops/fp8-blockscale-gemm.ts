import { checkDtype, checkRank, checkShape, checkTensor } from '../check.js';
import { fail } from '../errors.js';
import { defineOp } from '../op.js';
import type { Tensor } from '../tensor.js';
import {
  ceilDiv,
  checkAlign,
  checkArgs,
  checkDtypeOption,
  checkOut,
  checkRowMajor,
  checkScaleMatrix,
} from './common/checks.js';

export interface Fp8BlockscaleGemmArgs {
  /** `[M, K]` activations: bf16 (quantized inside, 1x128) or e4m3 (with `inputScale`). Row-major. */
  input: Tensor;
  /** `[N, K]` weight: bf16 (quantized inside, 1x128) or e4m3 (with `weightScale`). Row-major. */
  weight: Tensor;
  /** f32 `[M, ceil(K/128)]` K-major: required for an e4m3 input, absent for bf16. */
  inputScale?: Tensor;
  /** f32 `[N, ceil(K/128)]` (1x128) or `[ceil(N/128), ceil(K/128)]` (128x128), K-major; required for e4m3. */
  weightScale?: Tensor;
  /** `[M, N]` bf16. */
  out?: Tensor;
  /** Only bf16 (the default). */
  outDtype?: 'bf16';
}

export type BlockscaleGranularity = '1x128' | '128x128';

export interface Fp8BlockscaleGemmPlan {
  m: number;
  n: number;
  k: number;
  /** 'internal': a bf16 operand quantized by the op (1x128, e4m3, f32 scales); 'given': e4m3 + scales. */
  inputQuant: 'internal' | 'given';
  weightQuant: 'internal' | 'given';
  /** Block shape of the weight scales (internal quantization is always 1x128). */
  weightGranularity: BlockscaleGranularity;
  outDtype: 'bf16';
  outShape: [number, number];
}

/** Block width along K of every scale of this op. */
export const BLOCKSCALE_K = 128;

export const fp8BlockscaleGemm = defineOp<Fp8BlockscaleGemmArgs, Fp8BlockscaleGemmPlan, Tensor>({
  name: 'fp8BlockscaleGemm',
  doc: [
    'out[m,n] = round_bf16( Σ_k x̂[m,k]·ŵ[n,k] ), float64 sums. An e4m3 operand dequantizes exactly:',
    'x̂ = input·inputScale[m, ⌊k/128⌋], ŵ = weight·weightScale[n or ⌊n/128⌋, ⌊k/128⌋]. A bf16 operand is first',
    'quantized per row and 128-wide K block exactly like quant.perTokenFp8 (e4m3, s = f32(max(amax,1e-4)/448),',
    'code = e4m3_saturate(x/s)) and then dequantized the same way. Supported: bf16×bf16, bf16×e4m3, e4m3×e4m3.',
    'K % 16 = 0; edge blocks are partial.',
  ].join(' '),
  validate(args) {
    checkArgs(args, 'fp8BlockscaleGemm', ['input', 'weight', 'inputScale', 'weightScale', 'out', 'outDtype']);
    checkTensor(args.input, 'fp8BlockscaleGemm.input');
    checkTensor(args.weight, 'fp8BlockscaleGemm.weight');
    checkRank(args.input, 'fp8BlockscaleGemm.input', 2);
    checkDtype(args.input, 'fp8BlockscaleGemm.input', ['bf16', 'e4m3']);
    checkDtype(args.weight, 'fp8BlockscaleGemm.weight', ['bf16', 'e4m3']);
    if (args.input.dtype === 'e4m3' && args.weight.dtype === 'bf16')
      fail('E_DTYPE', 'an e4m3 input needs an e4m3 weight (supported: bf16×bf16, bf16×e4m3, e4m3×e4m3)', {
        arg: 'fp8BlockscaleGemm.weight',
        expected: 'e4m3',
        actual: 'bf16',
      });
    const [m, k] = args.input.shape;
    checkShape(args.weight, 'fp8BlockscaleGemm.weight', [undefined, k], ['n', 'k']);
    const n = args.weight.shape[0];
    checkRowMajor(args.input, 'fp8BlockscaleGemm.input');
    checkRowMajor(args.weight, 'fp8BlockscaleGemm.weight');
    checkAlign(k, 16, 'fp8BlockscaleGemm.input', 'K');
    const kb = ceilDiv(k, BLOCKSCALE_K);

    const inputQuant = args.input.dtype === 'e4m3' ? 'given' : 'internal';
    if (inputQuant === 'given') {
      if (args.inputScale === undefined)
        fail('E_UNSUPPORTED', 'an e4m3 input needs inputScale', {
          arg: 'fp8BlockscaleGemm.inputScale',
          expected: `f32 [${m}, ${kb}]`,
          actual: 'undefined',
        });
      checkScaleMatrix(args.inputScale, 'fp8BlockscaleGemm.inputScale', m, kb, 'K');
    } else if (args.inputScale !== undefined)
      fail('E_UNSUPPORTED', 'a bf16 input is quantized inside the op; inputScale must be omitted', {
        arg: 'fp8BlockscaleGemm.inputScale',
        expected: 'undefined',
        actual: 'Tensor',
      });

    const weightQuant = args.weight.dtype === 'e4m3' ? 'given' : 'internal';
    let weightGranularity: BlockscaleGranularity = '1x128';
    if (weightQuant === 'given') {
      const ws = args.weightScale;
      if (ws === undefined)
        fail('E_UNSUPPORTED', 'an e4m3 weight needs weightScale', {
          arg: 'fp8BlockscaleGemm.weightScale',
          expected: `f32 [${n}, ${kb}] or [${ceilDiv(n, 128)}, ${kb}]`,
          actual: 'undefined',
        });
      checkTensor(ws, 'fp8BlockscaleGemm.weightScale');
      // The shape tells the granularity; when N ≤ 1 both readings coincide.
      const rows =
        ws.rank === 2 && ws.shape[0] === ceilDiv(n, 128) && ws.shape[0] !== n ? ceilDiv(n, 128) : n;
      weightGranularity = rows === n ? '1x128' : '128x128';
      if (ws.rank !== 2 || (ws.shape[0] !== n && ws.shape[0] !== ceilDiv(n, 128)) || ws.shape[1] !== kb)
        fail(
          'E_SHAPE',
          'weightScale must be [N, ceil(K/128)] (1x128) or [ceil(N/128), ceil(K/128)] (128x128)',
          {
            arg: 'fp8BlockscaleGemm.weightScale',
            expected: [`[${n}, ${kb}]`, `[${ceilDiv(n, 128)}, ${kb}]`],
            actual: ws.shape,
          },
        );
      checkScaleMatrix(ws, 'fp8BlockscaleGemm.weightScale', rows, kb, 'K');
    } else if (args.weightScale !== undefined)
      fail('E_UNSUPPORTED', 'a bf16 weight is quantized inside the op; weightScale must be omitted', {
        arg: 'fp8BlockscaleGemm.weightScale',
        expected: 'undefined',
        actual: 'Tensor',
      });

    checkDtypeOption(args.outDtype ?? 'bf16', 'fp8BlockscaleGemm.outDtype', ['bf16'] as const);
    checkOut(args.out, 'fp8BlockscaleGemm.out', [m, n], 'bf16');
    return {
      m,
      n,
      k,
      inputQuant,
      weightQuant,
      weightGranularity,
      outDtype: 'bf16',
      outShape: [m, n],
    };
  },
  flops: (p) => 2 * p.m * p.n * p.k,
  bytes: (p) =>
    p.m * p.k * (p.inputQuant === 'internal' ? 2 : 1) +
    p.n * p.k * (p.weightQuant === 'internal' ? 2 : 1) +
    2 * p.m * p.n,
});
