import {
  type Context,
  ceilLog2,
  createContext,
  encodeArray,
  floorLog2,
  fp8GroupScale,
  mnMajorStorageElements,
  mnMajorStrides,
  mxfp4Exponent,
  nvfp4GlobalScale,
  randomTensor,
  swizzled128x4Shape,
  Tensor,
  tmaAlignedRows,
} from '@gemmkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';

// The scalar rules and layout helpers of the quantizers, and kernels writing into caller-provided outputs.

describe('scalar rules', () => {
  it('ceilLog2 / floorLog2 are exact at and around powers of two', () => {
    for (let e = -130; e <= 130; e++) {
      const p = 2 ** e;
      expect(ceilLog2(p)).toBe(e);
      expect(floorLog2(p)).toBe(e);
      expect(ceilLog2(p * (1 + 2 ** -40))).toBe(e + 1);
      expect(floorLog2(p * (1 - 2 ** -40))).toBe(e - 1);
    }
  });
  it('non-finite and zero inputs end without looping', () => {
    expect(ceilLog2(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    expect(floorLog2(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(ceilLog2(Number.NaN)).toBeNaN();
    expect(fp8GroupScale(Number.POSITIVE_INFINITY, 448, 1e-4, true)).toBe(2 ** 127);
    expect(mxfp4Exponent(Number.POSITIVE_INFINITY, 'ocp')).toBe(127);
  });
  it('fp8GroupScale: f32(max(amax, eps)/fpMax), or the next power of two with ue8m0', () => {
    expect(fp8GroupScale(448, 448, 1e-4, false)).toBe(1);
    expect(fp8GroupScale(0, 448, 1e-4, false)).toBe(Math.fround(1e-4 / 448));
    expect(fp8GroupScale(100, 448, 1e-4, false)).toBe(Math.fround(100 / 448));
    expect(fp8GroupScale(449, 448, 1e-4, true)).toBe(2);
    expect(fp8GroupScale(448, 448, 1e-4, true)).toBe(1);
    expect(fp8GroupScale(57344 * 3, 57344, 1e-4, true)).toBe(4);
  });
  it('mxfp4Exponent and the NVFP4 global scale', () => {
    expect(mxfp4Exponent(6, 'up')).toBe(0);
    expect(mxfp4Exponent(6.01, 'up')).toBe(1);
    expect(mxfp4Exponent(7.9, 'ocp')).toBe(0);
    expect(mxfp4Exponent(8, 'ocp')).toBe(1);
    expect(mxfp4Exponent(0, 'up')).toBe(-127);
    expect(mxfp4Exponent(1e300, 'up')).toBe(127);
    expect(nvfp4GlobalScale(2688, 1e-4)).toBe(1);
    expect(nvfp4GlobalScale(0, 1e-4)).toBe(Math.fround(2688 / 1e-4));
  });
  it('layout helpers', () => {
    expect(swizzled128x4Shape(130, 5)).toEqual({ rows: 256, cols: 8, size: 2048 });
    expect(tmaAlignedRows(9, 4)).toBe(12);
    expect(tmaAlignedRows(9, 1)).toBe(16);
    expect(mnMajorStrides([3, 9, 2], 4)).toEqual([24, 1, 12]);
    expect(mnMajorStorageElements([3, 9, 2], 4)).toBe(72);
    expect(() => tmaAlignedRows(9, 3)).toThrow(/E_DTYPE/);
    expect(() => mnMajorStrides([4], 4)).toThrow(/E_SHAPE/);
  });
});

let gk: Context;
beforeAll(async () => {
  gk = await createContext({ backends: [cpu()] });
});
afterAll(() => gk.dispose());

describe('caller-provided outputs', () => {
  it('per-token FP8 into a given MN-major outScale and out', () => {
    const x = randomTensor('f32', [5, 256], { seed: 4 });
    const want = gk.ops.quantPerTokenFp8({ x, scaleMajor: 'MN' });
    const storage = Tensor.host('f32', [2, 8], encodeArray('f32', new Array(16).fill(-7)));
    const outScale = storage.transpose(0, 1).narrow(0, 0, 5);
    const out = Tensor.host('e4m3', [5, 256]);
    const r = gk.ops.quantPerTokenFp8({ x, scaleMajor: 'MN', out, outScale });
    expect(r.data).toBe(out);
    expect(r.scale.tensor).toBe(outScale);
    expect([...out.hostBytes()]).toEqual([...want.data.hostBytes()]);
    expect([...outScale.toFloat32Array()]).toEqual([...want.scale.tensor.toFloat32Array()]);
    // Padding rows of the caller's storage are not touched.
    const raw = storage.toFloat32Array();
    for (const i of [5, 6, 7, 13, 14, 15]) expect(raw[i]).toBe(-7);
  });
  it('nvfp4 and scale layout ops into given outputs', () => {
    const x = randomTensor('bf16', [3, 32], { seed: 6 });
    const want = gk.ops.quantNvfp4({ x });
    const out = Tensor.host('e2m1x2', [3, 16]);
    const outScale = Tensor.host('e4m3', [512]);
    const outGlobalScale = Tensor.host('f32', [1]);
    const r = gk.ops.quantNvfp4({ x, out, outScale, outGlobalScale });
    expect(r.globalScale).toBe(outGlobalScale);
    expect([...out.hostBytes()]).toEqual([...want.data.hostBytes()]);
    expect([...outScale.hostBytes()]).toEqual([...want.scale.tensor.hostBytes()]);
    expect([...outGlobalScale.hostBytes()]).toEqual([...want.globalScale.hostBytes()]);
    const lin = Tensor.host('e4m3', [3, 2]);
    gk.ops.unswizzleScales({ scale: outScale, rows: 3, cols: 2, out: lin });
    const back = Tensor.host('e4m3', [512]);
    gk.ops.swizzleScales({ scale: lin, out: back });
    expect([...back.hostBytes()]).toEqual([...outScale.hostBytes()]);
  });
});
