import { contracts, randomTensor, Tensor } from '@gemmkit/core';
import { describe, expect, it } from 'vitest';

// Plans, defaults and cost models of the dense contracts (validation errors are the bad-input cases).
const f32 = (shape: number[]) => randomTensor('f32', shape, { dist: 'uniform', low: 0.5, high: 1 });
const t = (dtype: Parameters<typeof randomTensor>[0], shape: number[]) => randomTensor(dtype, shape);

describe('dense op contracts', () => {
  it('bmmFp8: per-row plan, flops and bytes', () => {
    const p = contracts.bmmFp8.validate({
      a: t('e4m3', [2, 3, 32]),
      b: t('e4m3', [2, 5, 32]).transpose(1, 2),
      aScale: f32([2, 3]),
      bScale: f32([1]),
      outDtype: 'bf16',
      scaleGranularity: [1, -1, -1],
    });
    expect(p).toMatchObject({ batch: 2, m: 3, n: 5, k: 32, rowScale: true, outShape: [2, 3, 5] });
    expect(contracts.bmmFp8.flops(p)).toBe(2 * 2 * 3 * 5 * 32);
    expect(contracts.bmmFp8.bytes(p)).toBe(2 * (3 * 32 + 32 * 5 + 3 * 5 * 2) + 4 * 6);
  });

  it('gemmFp8NtGroupwise: output dtype defaults and scale shapes', () => {
    const base = {
      a: t('e4m3', [130, 256]),
      b: t('e4m3', [200, 256]),
      aScale: f32([2, 2]),
      bScale: f32([2, 2]),
      scaleGranularityMnk: [128, 128, 128] as const,
    };
    const v = contracts.gemmFp8NtGroupwise.validate;
    expect(v(base).outDtype).toBe('bf16');
    expect(v({ ...base, outputScale: f32([1]) }).outDtype).toBe('e4m3');
    expect(v({ ...base, out: Tensor.host('f16', [130, 200]) }).outDtype).toBe('f16');
    const p = v(base);
    expect(p.aScaleShape).toEqual([2, 2]);
    expect(p.bScaleShape).toEqual([2, 2]);
    expect(p.scaleMajor).toBe('K');
    expect(contracts.gemmFp8NtGroupwise.bytes(p)).toBe(130 * 256 + 200 * 256 + 130 * 200 * 2 + 4 * 8);
  });

  it('fp8BlockscaleGemm: weight-scale granularity from the shape', () => {
    const v = (n: number, rows: number) =>
      contracts.fp8BlockscaleGemm.validate({
        input: t('bf16', [4, 256]),
        weight: t('e4m3', [n, 256]),
        weightScale: f32([rows, 2]),
      });
    expect(v(256, 256).weightGranularity).toBe('1x128');
    expect(v(256, 2).weightGranularity).toBe('128x128');
    expect(v(128, 1).weightGranularity).toBe('128x128');
    expect(v(1, 1).weightGranularity).toBe('1x128');
    expect(v(256, 2)).toMatchObject({ inputQuant: 'internal', weightQuant: 'given', outDtype: 'bf16' });
  });

  it('mmFp4: padded swizzled scale shapes, vec per format, W4A16', () => {
    const v = contracts.mmFp4.validate;
    const nv = v({
      a: t('e2m1x2', [5, 32]),
      b: t('e2m1x2', [9, 32]).transpose(),
      aScale: t('e4m3', [128, 4]),
      bScale: t('e4m3', [128, 4]),
      outDtype: 'bf16',
    });
    expect(nv).toMatchObject({ m: 5, n: 9, k: 64, vec: 16, scaleDtype: 'e4m3', scaleLayout: 'swizzle128x4' });
    const mx = v({
      a: t('bf16', [5, 64]),
      b: t('e2m1x2', [9, 32]).transpose(),
      bScale: t('ue8m0', [9, 2]),
      format: 'mxfp4',
      scaleLayout: 'linear',
      outDtype: 'f16',
    });
    expect(mx).toMatchObject({ aKind: 'bf16', vec: 32, bScaleShape: [9, 2] });
    expect(contracts.mmFp4.flops(mx)).toBe(2 * 5 * 9 * 64);
  });

  it('tgvGemm and mmFp8 plans', () => {
    const tp = contracts.tgvGemm.validate({
      a: t('bf16', [1, 64]),
      b: t('bf16', [48, 64]).transpose(),
      bias: t('bf16', [48]),
    });
    expect(tp).toMatchObject({ m: 1, n: 48, k: 64, hasBias: true, outDtype: 'bf16' });
    expect(contracts.tgvGemm.bytes(tp)).toBe(2 * (64 + 64 * 48 + 48 + 48));
    const mp = contracts.mmFp8.validate({
      a: t('e4m3', [3, 32]),
      b: t('e5m2', [7, 32]).transpose(),
      outDtype: 'f16',
    });
    expect(mp).toMatchObject({ aDtype: 'e4m3', bDtype: 'e5m2', hasAlpha: false, outShape: [3, 7] });
  });
});
