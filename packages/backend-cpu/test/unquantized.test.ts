/**
 * End to end against UNQUANTIZED inputs (brief §5 tolerances): quantize with the quantizer ops, multiply
 * with the GEMM ops, compare with the float64 product of the original values. This pins the scale
 * conventions shared by the quantizers and the GEMMs (per-token/per-block FP8, NVFP4 global scale,
 * MXFP4, swizzled layouts, MN-major scales).
 */
import { calcDiff, createContext, randomTensor, type Tensor, tensorFrom } from '@gemmkit/core';
import { TOLERANCE } from '@gemmkit/core/conformance';
import { describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';

const M = 40;
const N = 72;
const K = 256;

/** Row-major float64 product x·wᵀ of host tensors x [M,K], w [N,K]. */
function exact(x: Tensor, w: Tensor): Float64Array {
  const a = x.toFloat32Array();
  const b = w.toFloat32Array();
  const [m, k] = x.shape;
  const n = w.shape[0];
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[j * k + p];
      out[i * n + j] = s;
    }
  return out;
}

const f32scalar = (v: number) => tensorFrom('f32', [1], [v]);

describe('quantize → GEMM vs the unquantized product', async () => {
  const gk = await createContext({ backends: [cpu()] });
  const x = randomTensor('bf16', [M, K], { seed: 11 });
  const w = randomTensor('bf16', [N, K], { seed: 12 });
  const ref = exact(x, w);
  const diff = (out: Tensor) => calcDiff(out, ref);

  it('gemmFp8NtGroupwise: per-token A × per-block B, K-major and MN-major scales', () => {
    const qa = gk.ops.quantPerTokenFp8({ x });
    const qb = gk.ops.quantPerBlockFp8({ x: w });
    const out = gk.ops.gemmFp8NtGroupwise({
      a: qa.data,
      b: qb.data,
      aScale: qa.scale.tensor,
      bScale: qb.scale.tensor,
    });
    expect(diff(out)).toBeLessThan(TOLERANCE.fp8VsUnquantized.calcDiff);
    const qaMn = gk.ops.quantPerTokenFp8({ x, scaleMajor: 'MN' });
    const qbMn = gk.ops.scaleToMnMajor({ scale: qb.scale.tensor });
    const outMn = gk.ops.gemmFp8NtGroupwise({
      a: qaMn.data,
      b: qb.data,
      aScale: qaMn.scale.tensor,
      bScale: qbMn,
      scaleMajorMode: 'MN',
    });
    // Same scale values, another layout: the very same bits.
    expect(outMn.hostBytes()).toEqual(out.hostBytes());
  });

  it('bmmFp8 and mmFp8: per-tensor scales', () => {
    const qa = gk.ops.quantPerTensorFp8({ x });
    const qb = gk.ops.quantPerTensorFp8({ x: w });
    const out = gk.ops.bmmFp8({
      a: qa.data.unsqueeze(0),
      b: qb.data.transpose().unsqueeze(0),
      aScale: qa.scale.tensor,
      bScale: qb.scale.tensor,
      outDtype: 'bf16',
    });
    expect(diff(out.reshape([M, N]))).toBeLessThan(TOLERANCE.fp8VsUnquantized.calcDiff);
    const alpha = qa.scale.tensor.toFloat32Array()[0] * qb.scale.tensor.toFloat32Array()[0];
    const mm = gk.ops.mmFp8({
      a: qa.data,
      b: qb.data.transpose(),
      alpha: f32scalar(alpha),
      outDtype: 'bf16',
    });
    expect(diff(mm)).toBeLessThan(TOLERANCE.fp8VsUnquantized.calcDiff);
  });

  it('fp8BlockscaleGemm: bf16×bf16 (internal), bf16×e4m3 128x128, e4m3×e4m3 1x128', () => {
    const internal = gk.ops.fp8BlockscaleGemm({ input: x, weight: w });
    expect(diff(internal)).toBeLessThan(TOLERANCE.fp8VsUnquantized.calcDiff);
    const qb = gk.ops.quantPerBlockFp8({ x: w });
    const mixed = gk.ops.fp8BlockscaleGemm({ input: x, weight: qb.data, weightScale: qb.scale.tensor });
    expect(diff(mixed)).toBeLessThan(TOLERANCE.fp8VsUnquantized.calcDiff);
    const qa = gk.ops.quantPerTokenFp8({ x });
    const qw = gk.ops.quantPerTokenFp8({ x: w });
    const w8a8 = gk.ops.fp8BlockscaleGemm({
      input: qa.data,
      inputScale: qa.scale.tensor,
      weight: qw.data,
      weightScale: qw.scale.tensor,
    });
    expect(diff(w8a8)).toBeLessThan(TOLERANCE.fp8VsUnquantized.calcDiff);
    // bf16 input quantized inside the op = the per-token quantizer's output: identical results.
    const viaInternal = gk.ops.fp8BlockscaleGemm({ input: x, weight: qw.data, weightScale: qw.scale.tensor });
    expect(viaInternal.hostBytes()).toEqual(w8a8.hostBytes());
  });

  it('mmFp4: NVFP4 × NVFP4 with the global scales as alpha, swizzled and linear', () => {
    for (const layout of ['swizzle128x4', 'linear'] as const) {
      const qa = gk.ops.quantNvfp4({ x, layout });
      const qb = gk.ops.quantNvfp4({ x: w, layout });
      const ga = qa.globalScale.toFloat32Array()[0];
      const gb = qb.globalScale.toFloat32Array()[0];
      const out = gk.ops.mmFp4({
        a: qa.data,
        b: qb.data.transpose(),
        aScale: qa.scale.tensor,
        bScale: qb.scale.tensor,
        alpha: f32scalar(1 / (ga * gb)),
        scaleLayout: layout,
        outDtype: 'bf16',
      });
      expect(diff(out)).toBeLessThan(TOLERANCE.fp4VsUnquantized.calcDiff);
    }
  });

  it('mmFp4: MXFP4 × MXFP4 and W4A16', () => {
    const qa = gk.ops.quantMxfp4({ x });
    const qb = gk.ops.quantMxfp4({ x: w });
    const out = gk.ops.mmFp4({
      a: qa.data,
      b: qb.data.transpose(),
      aScale: qa.scale.tensor,
      bScale: qb.scale.tensor,
      format: 'mxfp4',
      outDtype: 'bf16',
    });
    expect(diff(out)).toBeLessThan(TOLERANCE.fp4VsUnquantized.calcDiff);
    const qw = gk.ops.quantNvfp4({ x: w });
    const w4a16 = gk.ops.mmFp4({
      a: x,
      b: qw.data.transpose(),
      bScale: qw.scale.tensor,
      alpha: f32scalar(1 / qw.globalScale.toFloat32Array()[0]),
      outDtype: 'bf16',
    });
    expect(diff(w4a16)).toBeLessThan(TOLERANCE.fp8Fp4VsUnquantized.calcDiff);
  });

  it('tgvGemm and bmmFp16 on bf16 match the exact product to bf16 rounding', () => {
    const t = gk.ops.tgvGemm({ a: x, b: w.transpose() });
    expect(diff(t)).toBeLessThan(TOLERANCE.dequantized.calcDiff);
    const b = gk.ops.bmmFp16({ a: x.unsqueeze(0), b: w.transpose().unsqueeze(0), outDtype: 'bf16' });
    expect(b.hostBytes()).toEqual(t.hostBytes());
  });
});
