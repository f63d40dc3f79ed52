import {
  type Context,
  createContext,
  encodeArray,
  isGemmkitError,
  mnMajorStrides,
  randomTensor,
  Tensor,
} from '@gemmkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';

// Independent checks of the FP8 quantizers: the FP8 grids and the DeepGEMM formulas are rebuilt here from
// the format definitions (no core codec), then compared with the CPU kernels code for code.

/** Every finite non-negative value of an FP8 format with its code, from the bit layout. */
function grid(expBits: number, manBits: number, bias: number, maxCode: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let code = 0; code <= maxCode; code++) {
    const e = code >> manBits;
    const m = code & ((1 << manBits) - 1);
    const v = e === 0 ? (m / 2 ** manBits) * 2 ** (1 - bias) : (1 + m / 2 ** manBits) * 2 ** (e - bias);
    out.push([v, code]);
  }
  void expBits;
  return out;
}
const E4M3 = grid(4, 3, 7, 0x7e); // 0x7f is NaN; max 0x7e = 448
const E5M2 = grid(5, 2, 15, 0x7b); // 0x7c is inf; max 0x7b = 57344

/** Nearest grid value, ties to the even code, saturating (the brute-force way). */
function roundGrid(g: Array<[number, number]>, x: number): number {
  const a = Math.min(Math.abs(x), g[g.length - 1][0]);
  let best = 0;
  for (let i = 1; i < g.length; i++) {
    const d = Math.abs(g[i][0] - a) - Math.abs(g[best][0] - a);
    if (d < 0 || (d === 0 && (g[i][1] & 1) === 0)) best = i;
  }
  const code = g[best][1];
  return x < 0 ? code | 0x80 : code;
}
const decodeGrid = (g: Array<[number, number]>, code: number) => (code & 0x80 ? -1 : 1) * g[code & 0x7f][0];

/** DeepGEMM's per_token_cast_to_fp8 / per_block_cast_to_fp8, written out naively. */
function naiveBlocks(
  x: Float32Array,
  rows: number,
  cols: number,
  br: number,
  bc: number,
  fmt: 'e4m3' | 'e5m2',
  ue8m0: boolean,
) {
  const g = fmt === 'e4m3' ? E4M3 : E5M2;
  const max = fmt === 'e4m3' ? 448 : 57344;
  const gr = Math.ceil(rows / br);
  const gc = Math.ceil(cols / bc);
  const scales = new Float64Array(gr * gc);
  const codes = new Uint8Array(rows * cols);
  for (let i = 0; i < gr; i++)
    for (let j = 0; j < gc; j++) {
      let amax = 1e-4;
      for (let r = i * br; r < Math.min(rows, (i + 1) * br); r++)
        for (let c = j * bc; c < Math.min(cols, (j + 1) * bc); c++)
          amax = Math.max(amax, Math.abs(x[r * cols + c]));
      let s = Math.fround(amax / max);
      if (ue8m0) {
        s = 2 ** -140;
        while (s < amax / max) s *= 2;
      }
      scales[i * gc + j] = s;
      for (let r = i * br; r < Math.min(rows, (i + 1) * br); r++)
        for (let c = j * bc; c < Math.min(cols, (j + 1) * bc); c++)
          codes[r * cols + c] = roundGrid(g, x[r * cols + c] / s);
    }
  return { codes, scales };
}

const f32Of = (t: Tensor) => new Float32Array(t.hostBytes().slice().buffer);

let gk: Context;
beforeAll(async () => {
  gk = await createContext({ backends: [cpu()] });
});
afterAll(() => gk.dispose());

describe('quantPerTokenFp8 / quantPerBlockFp8 vs an independent DeepGEMM formula', () => {
  const cases: Array<[string, number, number, number, number, 'e4m3' | 'e5m2', boolean]> = [
    ['per-token e4m3', 7, 300, 1, 128, 'e4m3', false],
    ['per-token e5m2 ue8m0', 5, 256, 1, 128, 'e5m2', true],
    ['per-block e4m3', 130, 260, 128, 128, 'e4m3', false],
    ['per-block e4m3 ue8m0', 129, 129, 128, 128, 'e4m3', true],
  ];
  for (const [name, rows, cols, br, bc, fmt, ue8m0] of cases)
    it(name, async () => {
      const x = randomTensor('f32', [rows, cols], { seed: rows * cols, std: 20 });
      const xv = f32Of(x);
      const want = naiveBlocks(xv, rows, cols, br, bc, fmt, ue8m0);
      const r =
        br === 1
          ? gk.ops.quantPerTokenFp8({ x, outDtype: fmt, ue8m0 })
          : gk.ops.quantPerBlockFp8({ x, outDtype: fmt, ue8m0 });
      expect([...r.data.hostBytes()]).toEqual([...want.codes]);
      expect([...f32Of(r.scale.tensor)]).toEqual([...want.scales].map(Math.fround));
      expect(r.scale.granularity).toEqual([br, br, bc]);
      // Dequantized error stays within half an FP8 step of each group's scale (relative 2^-4 for e4m3).
      const back = (
        await gk.ops.dequantFp8({ x: r.data, scale: r.scale.tensor, block: [br, bc] }).toHost()
      ).toFloat32Array();
      const gc = Math.ceil(cols / bc);
      for (let i = 0; i < xv.length; i++) {
        const s = want.scales[Math.floor(Math.floor(i / cols) / br) * gc + Math.floor((i % cols) / bc)];
        const step = fmt === 'e4m3' ? 2 ** -4 : 2 ** -3;
        expect(Math.abs(back[i] - xv[i])).toBeLessThanOrEqual(
          Math.max(Math.abs(xv[i]) * step, s * 2 ** -9) + 1e-30,
        );
      }
    });
});

describe('grid-snapped inputs quantize losslessly', () => {
  it('per-token: values = e4m3 grid x power-of-two scale per group', () => {
    const rows = 6;
    const cols = 256;
    const v = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++)
      for (let g = 0; g < 2; g++) {
        const s = 2 ** (r - 3 + g);
        for (let c = 0; c < 128; c++) {
          const code = c === 0 ? 0x7e : (r * 31 + c * 7 + g) % 0x7e;
          v[r * cols + g * 128 + c] = (c % 3 === 0 ? -1 : 1) * E4M3[code][0] * s; // amax = 448·s
        }
      }
    const x = Tensor.host('f32', [rows, cols], encodeArray('f32', v));
    for (const ue8m0 of [false, true]) {
      const r = gk.ops.quantPerTokenFp8({ x, ue8m0 });
      const codes = r.data.hostBytes();
      const s = f32Of(r.scale.tensor);
      for (let i = 0; i < v.length; i++)
        expect(decodeGrid(E4M3, codes[i]) * s[Math.floor(i / cols) * 2 + Math.floor((i % cols) / 128)]).toBe(
          v[i],
        );
    }
  });

  it('per-tensor: e5m2 grid values with amax 57344 come back exactly', () => {
    const v = E5M2.map(([val], i) => (i % 2 ? -val : val));
    const x = Tensor.host('f32', [v.length], encodeArray('f32', v));
    const r = gk.ops.quantPerTensorFp8({ x, outDtype: 'e5m2' });
    expect(f32Of(r.scale.tensor)[0]).toBe(1);
    const codes = r.data.hostBytes();
    for (let i = 0; i < v.length; i++) expect(decodeGrid(E5M2, codes[i])).toBe(v[i]);
  });
});

describe('scale options', () => {
  it('ue8m0 scales are powers of two and never saturate', () => {
    const x = randomTensor('bf16', [4, 512], { seed: 5, std: 7 });
    const r = gk.ops.quantPerTokenFp8({ x, scaleDtype: 'ue8m0' });
    expect(r.scale.encoding).toBe('ue8m0');
    expect(r.scale.tensor.dtype).toBe('ue8m0');
    const f = gk.ops.quantPerTokenFp8({ x, ue8m0: true });
    const bytes = r.scale.tensor.hostBytes();
    const fs = f32Of(f.scale.tensor);
    for (let i = 0; i < bytes.length; i++) expect(2 ** (bytes[i] - 127)).toBe(fs[i]);
    expect([...r.data.hostBytes()]).toEqual([...f.data.hostBytes()]);
  });

  it('MN-major TMA-aligned scales: same values, strides [1, roundup(M,4)], zero padding', async () => {
    const x = randomTensor('f32', [2, 9, 384], { seed: 9 });
    const k = gk.ops.quantPerTokenFp8({ x });
    const mn = gk.ops.quantPerTokenFp8({ x, scaleMajor: 'MN' });
    expect(mn.scale.major).toBe('MN');
    expect(mn.scale.layout).toBe('tma-aligned');
    expect(mn.scale.tensor.shape).toEqual([2, 9, 3]);
    expect(mn.scale.tensor.strides).toEqual([36, 1, 12]);
    expect(mn.scale.tensor.strides).toEqual(mnMajorStrides([2, 9, 3], 4));
    expect([...(await mn.scale.tensor.toHost()).toFloat32Array()]).toEqual([
      ...k.scale.tensor.toFloat32Array(),
    ]);
    const storage = new Float32Array((mn.scale.tensor.storage as any).bytes.slice().buffer);
    for (let b = 0; b < 2; b++)
      for (let g = 0; g < 3; g++) for (let m = 9; m < 12; m++) expect(storage[b * 36 + g * 12 + m]).toBe(0);
    // scaleToMnMajor of the K-major scales gives the same storage.
    const t = gk.ops.scaleToMnMajor({ scale: k.scale.tensor });
    expect([...new Float32Array((t.storage as any).bytes.slice().buffer)]).toEqual([...storage]);
  });

  it('per-tensor static scale saturates to ±448', () => {
    const x = Tensor.host('f32', [3], encodeArray('f32', [1000, -1000, 2]));
    const r = gk.ops.quantPerTensorFp8({ x, scale: Tensor.host('f32', [1], encodeArray('f32', [1])) });
    expect([...r.data.hostBytes()]).toEqual([0x7e, 0xfe, 0x40]);
  });

  it('rejects bad input with typed errors naming the argument', () => {
    const x = randomTensor('f32', [4, 128], { seed: 1 });
    try {
      gk.ops.quantPerTokenFp8({ x, groupSize: -3 });
      expect.unreachable();
    } catch (e) {
      expect(isGemmkitError(e, 'E_RANGE')).toBe(true);
      expect((e as any).arg).toBe('quantPerTokenFp8.groupSize');
      expect((e as any).actual).toBe(-3);
    }
  });
});
