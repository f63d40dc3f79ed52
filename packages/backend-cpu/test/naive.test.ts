/**
 * backend-cpu against an independent formula: own bit-level decoders, own e4m3 rounding, own swizzle
 * offset, plain triple loops. Every dense conformance case is recomputed here and each output element
 * must be the correctly rounded value of the naive result (within half an ulp of the output dtype).
 */

import { createContext, type Tensor } from '@gemmkit/core';
import { type AnyConformanceCase, conformanceCases } from '@gemmkit/core/conformance';
import { describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';

// ---- independent decoders (from the format definitions, not from core) ----
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function e4m3(b: number): number {
  const s = b & 0x80 ? -1 : 1;
  const e = (b >> 3) & 15;
  const m = b & 7;
  if (e === 15 && m === 7) return Number.NaN;
  return e === 0 ? s * (m / 8) * 2 ** -6 : s * (1 + m / 8) * 2 ** (e - 7);
}
function e5m2(b: number): number {
  const s = b & 0x80 ? -1 : 1;
  const e = (b >> 2) & 31;
  const m = b & 3;
  if (e === 31) return m ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return e === 0 ? s * (m / 4) * 2 ** -14 : s * (1 + m / 4) * 2 ** (e - 15);
}
function f16(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 31;
  const m = h & 1023;
  if (e === 31) return m ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return e === 0 ? s * (m / 1024) * 2 ** -14 : s * (1 + m / 1024) * 2 ** (e - 15);
}
function bf16(h: number): number {
  u32[0] = h << 16;
  return f32[0];
}
function e2m1(n: number): number {
  const s = n & 8 ? -1 : 1;
  const e = (n >> 1) & 3;
  const m = n & 1;
  return e === 0 ? s * m * 0.5 : s * (1 + m / 2) * 2 ** (e - 1);
}

/** Logical row-major values of any tensor this file meets. */
function vals(t: Tensor): number[] {
  const bytes = t.hostBytes();
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  switch (t.dtype) {
    case 'e4m3':
      for (const b of bytes) out.push(e4m3(b));
      break;
    case 'e5m2':
      for (const b of bytes) out.push(e5m2(b));
      break;
    case 'ue8m0':
      for (const b of bytes) out.push(2 ** (b - 127));
      break;
    case 'e2m1x2':
      for (const b of bytes) out.push(e2m1(b & 15), e2m1(b >> 4));
      break;
    case 'f16':
      for (let i = 0; i < bytes.length; i += 2) out.push(f16(dv.getUint16(i, true)));
      break;
    case 'bf16':
      for (let i = 0; i < bytes.length; i += 2) out.push(bf16(dv.getUint16(i, true)));
      break;
    case 'f32':
      for (let i = 0; i < bytes.length; i += 4) out.push(dv.getFloat32(i, true));
      break;
    default:
      throw new Error(`naive test: no decoder for ${t.dtype}`);
  }
  return out;
}

/** Nearest e4m3 value (ties to the even code), saturating at ±448: brute force over all codes. */
const E4M3_VALUES = Array.from({ length: 256 }, (_, c) => [c, e4m3(c)] as const).filter(
  ([, v]) => !Number.isNaN(v),
);
function roundE4m3(x: number): number {
  const y = Math.max(-448, Math.min(448, x));
  let best = E4M3_VALUES[0];
  for (const cv of E4M3_VALUES) {
    const d = Math.abs(cv[1] - y);
    const bd = Math.abs(best[1] - y);
    if (d < bd || (d === bd && (cv[0] & 1) === 0)) best = cv;
  }
  return best[1];
}

/** `[rows, K]` values quantized 1x128 the perTokenFp8 way and dequantized again. */
function fakeQuant1x128(x: number[], rows: number, k: number): number[] {
  const out = new Array<number>(x.length);
  for (let r = 0; r < rows; r++)
    for (let k0 = 0; k0 < k; k0 += 128) {
      let amax = 0;
      for (let c = k0; c < Math.min(k, k0 + 128); c++) amax = Math.max(amax, Math.abs(x[r * k + c]));
      const s = Math.fround(Math.max(amax, 1e-4) / 448);
      for (let c = k0; c < Math.min(k, k0 + 128); c++) out[r * k + c] = roundE4m3(x[r * k + c] / s) * s;
    }
  return out;
}

/** Brief §8 swizzle formula, written out again. */
function swz(m: number, kb: number, kpad: number): number {
  return (
    (Math.floor(m / 128) * (kpad / 4) + Math.floor(kb / 4)) * 512 +
    (m % 32) * 16 +
    Math.floor((m % 128) / 32) * 4 +
    (kb % 4)
  );
}

/** Expected unrounded output, its dtype and shape. */
function naive(c: AnyConformanceCase, args: any): { want: number[]; dtype: string } {
  const A = args;
  const want: number[] = [];
  switch (c.op) {
    case 'bmmFp16':
    case 'bmmFp8': {
      const [B, M, K] = A.a.shape;
      const N = A.b.shape[2];
      const a = vals(A.a);
      const b = vals(A.b); // logical [B, K, N]
      const cc = A.c ? vals(A.c) : null;
      const sa = A.aScale ? vals(A.aScale) : [1];
      const sb = A.bScale ? vals(A.bScale)[0] : 1;
      const os = A.outputScale ? vals(A.outputScale)[0] : 1;
      for (let z = 0; z < B; z++)
        for (let i = 0; i < M; i++)
          for (let j = 0; j < N; j++) {
            let s = 0;
            for (let p = 0; p < K; p++) s += a[(z * M + i) * K + p] * b[(z * K + p) * N + j];
            const scale = c.op === 'bmmFp8' ? (sa.length > 1 ? sa[z * M + i] : sa[0]) * sb : 1;
            want.push((s * scale + (cc ? cc[(z * M + i) * N + j] : 0)) / os);
          }
      return { want, dtype: A.outDtype };
    }
    case 'mmFp8':
    case 'tgvGemm': {
      const [M, K] = A.a.shape;
      const N = A.b.shape[1];
      const a = vals(A.a);
      const b = vals(A.b);
      const alpha = A.alpha ? vals(A.alpha)[0] : 1;
      const bias = A.bias ? vals(A.bias) : null;
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let p = 0; p < K; p++) s += a[i * K + p] * b[p * N + j];
          want.push(s * alpha + (bias ? bias[j] : 0));
        }
      return { want, dtype: c.op === 'tgvGemm' ? 'bf16' : A.outDtype };
    }
    case 'gemmFp8NtGroupwise': {
      const [M, K] = A.a.shape;
      const N = A.b.shape[0];
      const [gm, gn, gk] = A.scaleGranularityMnk ?? [1, 128, 128];
      const kb = Math.ceil(K / gk);
      const a = vals(A.a);
      const b = vals(A.b);
      const sa = vals(A.aScale); // logical [ceil(M/gm), kb] whatever the major
      const sb = vals(A.bScale);
      const os = A.outputScale ? vals(A.outputScale)[0] : 1;
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let p = 0; p < K; p++)
            s +=
              a[i * K + p] *
              sa[Math.floor(i / gm) * kb + Math.floor(p / gk)] *
              b[j * K + p] *
              sb[Math.floor(j / gn) * kb + Math.floor(p / gk)];
          want.push(s / os);
        }
      const dtype = A.out?.dtype ?? A.outDtype ?? (A.outputScale ? 'e4m3' : 'bf16');
      return { want, dtype };
    }
    case 'fp8BlockscaleGemm': {
      const [M, K] = A.input.shape;
      const N = A.weight.shape[0];
      const kb = Math.ceil(K / 128);
      const deq = (t: Tensor, sc: Tensor | undefined, rows: number) => {
        const v = vals(t);
        if (t.dtype === 'bf16') return fakeQuant1x128(v, rows, K);
        const s = vals(sc!);
        const br = sc!.shape[0] === rows ? 1 : 128;
        return v.map((x, i) => x * s[Math.floor(Math.floor(i / K) / br) * kb + Math.floor((i % K) / 128)]);
      };
      const x = deq(A.input, A.inputScale, M);
      const w = deq(A.weight, A.weightScale, N);
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let p = 0; p < K; p++) s += x[i * K + p] * w[j * K + p];
          want.push(s);
        }
      return { want, dtype: 'bf16' };
    }
    case 'mmFp4': {
      const M = A.a.shape[0];
      const K = A.a.dtype === 'bf16' ? A.a.shape[1] : 2 * A.a.shape[1];
      const N = A.b.shape[1];
      const vec = (A.format ?? 'nvfp4') === 'nvfp4' ? 16 : 32;
      const linear = A.scaleLayout === 'linear';
      const kbs = K / vec;
      const kpad = Math.ceil(kbs / 4) * 4;
      const scaleAt = (sc: number[], _shape: number[], r: number, kb: number) =>
        sc[linear ? r * kbs + kb : swz(r, kb, kpad)];
      const a = vals(A.a);
      const saV = A.aScale ? vals(A.aScale) : null;
      const bt = vals(A.b.transpose(0, 1)); // [N, K/2] bytes → [N, K] values
      const sbV = vals(A.bScale);
      const alpha = A.alpha ? vals(A.alpha)[0] : 1;
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let p = 0; p < K; p++) {
            const av = saV
              ? a[i * K + p] * scaleAt(saV, A.aScale.shape, i, Math.floor(p / vec))
              : a[i * K + p];
            s += av * bt[j * K + p] * scaleAt(sbV, A.bScale.shape, j, Math.floor(p / vec));
          }
          want.push(alpha * s);
        }
      return { want, dtype: A.outDtype };
    }
    default:
      throw new Error(`naive test: no formula for ${c.op}`);
  }
}

const PRECISION: Record<string, { p: number; emin: number; max: number }> = {
  bf16: { p: 7, emin: -126, max: 3.3895313892515355e38 },
  f16: { p: 10, emin: -14, max: 65504 },
  e4m3: { p: 3, emin: -6, max: 448 },
};

const DENSE = new Set([
  'bmmFp16',
  'bmmFp8',
  'mmFp8',
  'gemmFp8NtGroupwise',
  'fp8BlockscaleGemm',
  'mmFp4',
  'tgvGemm',
]);

describe('backend-cpu vs an independent naive formula', async () => {
  const ctx = await createContext({ backends: [cpu()] });
  const cases = conformanceCases.filter((c) => DENSE.has(c.op));
  it('covers every dense op', () => {
    expect(new Set(cases.map((c) => c.op))).toEqual(DENSE);
  });
  for (const c of cases) {
    it(`${c.op}: ${c.name}`, () => {
      const args = c.build(7) as any;
      const got = ctx.run(c.op, args) as Tensor;
      const { want, dtype } = naive(c, args);
      expect(got.dtype).toBe(dtype);
      const g = vals(got);
      expect(g.length).toBe(want.length);
      const { p, emin, max } = PRECISION[dtype];
      let bad = 0;
      let first = '';
      for (let i = 0; i < g.length; i++) {
        const w = dtype === 'e4m3' ? Math.max(-max, Math.min(max, want[i])) : want[i];
        const e = Math.max(Math.floor(Math.log2(Math.abs(w) || 2 ** emin)), emin);
        const halfUlp = 2 ** (e - p - 1);
        // half an ulp of the output format, plus float64 summation-order slack
        if (!(Math.abs(g[i] - w) <= halfUlp * (1 + 1e-9) + 1e-12 * Math.abs(w))) {
          bad++;
          first ||= `index ${i}: got ${g[i]}, naive ${want[i]}`;
        }
      }
      expect(first).toBe('');
      expect(bad).toBe(0);
      if (g.length > 0) expect(want.some((x) => x !== 0)).toBe(true);
    });
  }
});
