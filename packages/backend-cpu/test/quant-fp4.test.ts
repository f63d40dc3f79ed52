import {
  type Context,
  createContext,
  encodeArray,
  randomTensor,
  swizzle128x4Offset,
  Tensor,
} from '@gemmkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';

// Independent checks of NVFP4 / MXFP4 quantization and of the 128x4 scale swizzle. The FP4 and e4m3 grids
// and the swizzle are rebuilt here from their definitions, not from core.

const E2M1 = [0, 0.5, 1, 1.5, 2, 3, 4, 6];
/** Nearest e2m1 code (ties to the even code), saturating at 6, sign in bit 3. */
function e2m1(x: number): number {
  const a = Math.min(Math.abs(x), 6);
  let best = 0;
  for (let c = 1; c < 8; c++) {
    const d = Math.abs(E2M1[c] - a) - Math.abs(E2M1[best] - a);
    if (d < 0 || (d === 0 && c % 2 === 0)) best = c;
  }
  return x < 0 ? best | 8 : best;
}
const e2m1Value = (n: number) => (n & 8 ? -1 : 1) * E2M1[n & 7];

/** e4m3 value of a code 0..0x7e and the nearest code to x >= 0 (ties to even, saturating at 448). */
const e4m3Value = (c: number) => {
  const e = c >> 3;
  const m = c & 7;
  return e === 0 ? (m / 8) * 2 ** -6 : (1 + m / 8) * 2 ** (e - 7);
};
function e4m3(x: number): number {
  const a = Math.min(x, 448);
  let best = 0;
  for (let c = 1; c <= 0x7e; c++) {
    const d = Math.abs(e4m3Value(c) - a) - Math.abs(e4m3Value(best) - a);
    if (d < 0 || (d === 0 && c % 2 === 0)) best = c;
  }
  return best;
}

/**
 * The 128x4 swizzle as a tensor permutation (the way FlashInfer's Python reference writes it):
 * view [Mp, Kp] as [Mp/128, 4, 32, Kp/4, 4] and permute to (0, 3, 2, 1, 4).
 */
function permuteOffset(m: number, k: number, kp: number): number {
  const idx = [Math.floor(m / 128), Math.floor((m % 128) / 32), m % 32, Math.floor(k / 4), k % 4];
  const order = [0, 3, 2, 1, 4];
  const dims = [0, 4, 32, kp / 4, 4]; // the leading size never enters the offset
  let off = 0;
  for (const d of order) off = off * dims[d] + idx[d];
  return off;
}

const f32Of = (t: Tensor) => new Float32Array(t.hostBytes().slice().buffer);
/** Unpacked nibbles of e2m1x2 bytes, low nibble first. */
const nibbles = (b: Uint8Array) => Array.from(b).flatMap((x) => [x & 0xf, x >> 4]);

function linearFromSwizzled(sw: Uint8Array, rows: number, cols: number): number[] {
  const kp = Math.ceil(cols / 4) * 4;
  const out: number[] = [];
  for (let m = 0; m < rows; m++) for (let k = 0; k < cols; k++) out.push(sw[permuteOffset(m, k, kp)]);
  return out;
}

let gk: Context;
beforeAll(async () => {
  gk = await createContext({ backends: [cpu()] });
});
afterAll(() => gk.dispose());

describe('128x4 swizzle', () => {
  it('offset formula (brief §8) equals the permutation view', () => {
    for (const [rows, cols] of [
      [1, 1],
      [130, 5],
      [256, 12],
      [300, 3],
    ])
      for (let m = 0; m < Math.ceil(rows / 128) * 128; m++)
        for (let k = 0; k < Math.ceil(cols / 4) * 4; k++) {
          const kp = Math.ceil(cols / 4) * 4;
          expect(swizzle128x4Offset(m, k, kp)).toBe(permuteOffset(m, k, kp));
        }
  });

  it('swizzleScales then unswizzleScales is the identity; padding is zero', () => {
    const rows = 131;
    const cols = 6;
    const s = randomTensor('u8', [rows, cols], { seed: 3, dist: 'uniform', low: 1, high: 256 });
    const sw = gk.ops.swizzleScales({ scale: s });
    expect(sw.shape).toEqual([256 * 8]);
    const bytes = sw.hostBytes();
    expect(linearFromSwizzled(bytes, rows, cols)).toEqual([...s.hostBytes()]);
    const used = new Set<number>();
    for (let m = 0; m < rows; m++) for (let k = 0; k < cols; k++) used.add(permuteOffset(m, k, 8));
    for (let i = 0; i < bytes.length; i++) if (!used.has(i)) expect(bytes[i]).toBe(0);
    const back = gk.ops.unswizzleScales({ scale: sw, rows, cols });
    expect([...back.hostBytes()]).toEqual([...s.hostBytes()]);
  });
});

describe('quantNvfp4 vs an independent formula', () => {
  for (const layout of ['linear', 'swizzle128x4'] as const)
    for (const given of [false, true])
      it(`${layout}, ${given ? 'given' : 'derived'} global scale`, () => {
        const rows = 5;
        const cols = 48;
        const x = randomTensor('f32', [rows, cols], { seed: 11, std: 4 });
        const xv = f32Of(x);
        let g = 0;
        if (given) g = 3.5;
        else {
          const amax = xv.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
          g = Math.fround(2688 / amax);
        }
        const r = gk.ops.quantNvfp4({
          x,
          layout,
          globalScale: given ? Tensor.host('f32', [1], encodeArray('f32', [g])) : undefined,
        });
        expect(f32Of(r.globalScale)[0]).toBe(g);
        const sfCodes: number[] = [];
        const codes: number[] = [];
        for (let m = 0; m < rows; m++)
          for (let b = 0; b < cols / 16; b++) {
            let amax = 0;
            for (let i = 0; i < 16; i++) amax = Math.max(amax, Math.abs(xv[m * cols + b * 16 + i]));
            const c = e4m3((g * amax) / 6);
            sfCodes.push(c);
            for (let i = 0; i < 16; i++) codes.push(e2m1((xv[m * cols + b * 16 + i] * g) / e4m3Value(c)));
          }
        expect(nibbles(r.data.hostBytes())).toEqual(codes);
        const sb = r.scale.tensor.hostBytes();
        expect(layout === 'linear' ? [...sb] : linearFromSwizzled(sb, rows, cols / 16)).toEqual(sfCodes);
        expect(r.scale.layout).toBe(layout);
        expect(r.scale.granularity).toEqual([1, 1, 16]);
      });

  it('grid-snapped input (e2m1 x e4m3 block scale / g) is lossless, through dequantFp4', async () => {
    const rows = 3;
    const cols = 64;
    const g = 4;
    const v: number[] = [];
    for (let m = 0; m < rows; m++)
      for (let b = 0; b < 4; b++) {
        const sf = e4m3Value(20 + 9 * m + 5 * b);
        for (let i = 0; i < 16; i++) {
          const n = i === 0 ? 7 : (m * 5 + b * 3 + i * 7) % 16; // a 6 in every block sets amax = 6·sf/g
          v.push((e2m1Value(n) * sf) / g);
        }
      }
    const x = Tensor.host('f32', [rows, cols], encodeArray('f32', v));
    for (const layout of ['linear', 'swizzle128x4'] as const) {
      const r = gk.ops.quantNvfp4({
        x,
        layout,
        globalScale: Tensor.host('f32', [1], encodeArray('f32', [g])),
      });
      const back = await gk.ops
        .dequantFp4({ x: r.data, scale: r.scale.tensor, layout, globalScale: r.globalScale })
        .toHost();
      expect([...back.toFloat32Array()]).toEqual([...new Float32Array(v)]);
    }
  });

  it('packs the even element in the low nibble', () => {
    const v = new Array(16).fill(0);
    v[0] = 0.5;
    v[1] = 6;
    v[2] = -1;
    const x = Tensor.host('f32', [1, 16], encodeArray('f32', v));
    const r = gk.ops.quantNvfp4({
      x,
      layout: 'linear',
      globalScale: Tensor.host('f32', [1], encodeArray('f32', [1])),
    });
    const b = r.data.hostBytes();
    expect(b[0]).toBe(0x71); // 6 (code 7) high, 0.5 (code 1) low
    expect(b[1]).toBe(0x0a); // -1 (code 8|2) low
  });
});

describe('quantMxfp4 vs an independent formula', () => {
  for (const rounding of ['up', 'ocp'] as const)
    it(`rounding '${rounding}'`, () => {
      const rows = 4;
      const cols = 96;
      const x = randomTensor('bf16', [rows, cols], { seed: 21, std: 30 });
      const xv = x.toFloat32Array();
      const r = gk.ops.quantMxfp4({ x, rounding, layout: 'linear' });
      const sb = r.scale.tensor.hostBytes();
      const codes: number[] = [];
      for (let m = 0; m < rows; m++)
        for (let b = 0; b < cols / 32; b++) {
          let amax = 0;
          for (let i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(xv[m * cols + b * 32 + i]));
          let e = -127;
          if (rounding === 'up') while (6 * 2 ** e < amax) e++;
          else {
            while (2 ** (e + 1) <= amax) e++;
            e -= 2;
          }
          expect(sb[m * 3 + b]).toBe(e + 127);
          for (let i = 0; i < 32; i++) codes.push(e2m1(xv[m * cols + b * 32 + i] / 2 ** e));
        }
      expect(nibbles(r.data.hostBytes())).toEqual(codes);
    });

  it('grid-snapped input (e2m1 x 2^e) is lossless for both roundings and layouts', async () => {
    const v: number[] = [];
    for (let m = 0; m < 2; m++)
      for (let b = 0; b < 2; b++)
        for (let i = 0; i < 32; i++)
          v.push(e2m1Value(i === 3 ? 15 : (i * 5 + m + b) % 16) * 2 ** (m * 3 - b * 7));
    const x = Tensor.host('f32', [2, 64], encodeArray('f32', v));
    for (const rounding of ['up', 'ocp'] as const)
      for (const layout of ['linear', 'swizzle128x4'] as const) {
        const r = gk.ops.quantMxfp4({ x, rounding, layout });
        const back = await gk.ops.dequantFp4({ x: r.data, scale: r.scale.tensor, layout }).toHost();
        expect([...back.toFloat32Array()]).toEqual([...new Float32Array(v)]);
      }
  });
});
