import { describe, expect, test } from 'vitest';
import {
  decodeArray,
  decodeBits,
  decodeToFloat64,
  E4M3,
  E5M2,
  encodeArray,
  encodeBits,
  encodeE4m3,
  encodeE5m2,
  Random,
} from '../src/index.js';
import { REF, refDecode, refEncode } from './reference-formats.js';

const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i);

describe.each([
  ['e4m3', REF.e4m3, 448, [0x7f, 0xff]],
  ['e5m2', REF.e5m2, 57344, [0x7d, 0x7e, 0x7f, 0xfd, 0xfe, 0xff]],
] as const)('%s', (dtype, ref, max, nanCodes) => {
  test('decode table matches an independent formula for all 256 codes', () => {
    const got = decodeArray(dtype, ALL_BYTES);
    const got64 = decodeToFloat64(dtype, ALL_BYTES);
    for (let c = 0; c < 256; c++) {
      const want = refDecode(ref, c);
      expect(Object.is(got[c], want) || (Number.isNaN(got[c]) && Number.isNaN(want)), `code ${c}`).toBe(true);
      expect(Object.is(got64[c], got[c]) || Number.isNaN(want)).toBe(true);
      expect(Object.is(decodeBits(dtype, c), got[c]) || Number.isNaN(want)).toBe(true);
    }
  });

  test('NaN codes are exactly the expected ones', () => {
    const got = decodeArray(dtype, ALL_BYTES);
    const nans = [...got.keys()].filter((i) => Number.isNaN(got[i]));
    expect(nans).toEqual([...nanCodes]);
  });

  test('all 256 codes round-trip (NaN stays NaN, -0 stays -0)', () => {
    const values = decodeArray(dtype, ALL_BYTES);
    const back = encodeArray(dtype, values);
    for (let c = 0; c < 256; c++) {
      if (Number.isNaN(values[c])) expect(Number.isNaN(decodeBits(dtype, back[c]))).toBe(true);
      else expect(back[c], `code ${c}`).toBe(c);
    }
    expect(back[0x80]).toBe(0x80);
  });

  test('max finite value', () => {
    expect((dtype === 'e4m3' ? E4M3 : E5M2).max).toBe(max);
    expect(Math.max(...decodeArray(dtype, ALL_BYTES).filter(Number.isFinite))).toBe(max);
  });

  test('encode of random doubles equals the brute-force nearest-even reference', () => {
    const rng = new Random(11);
    const xs: number[] = [];
    for (let i = 0; i < 20000; i++) xs.push((rng.uniform() - 0.5) * 2 * max * 1.2 * rng.uniform() ** 6);
    // Exact midpoints between every pair of neighbours (both signs) and the neighbours themselves.
    const vals = [...decodeArray(dtype, ALL_BYTES)]
      .filter((v) => Number.isFinite(v) && v >= 0)
      .sort((a, b) => a - b);
    for (let i = 0; i + 1 < vals.length; i++) {
      const mid = (vals[i] + vals[i + 1]) / 2;
      xs.push(mid, -mid, vals[i], mid * (1 + 2 ** -52), mid * (1 - 2 ** -52));
    }
    // float32-exact inputs (integer fast path), including float32 subnormals.
    for (let i = 0; i < 20000; i++) xs.push(Math.fround(xs[i]));
    for (let i = 0; i < 200; i++) xs.push(rng.int(1, 2 ** 23) * 2 ** -149, 2 ** -(100 + (i % 50)));
    const enc = encodeArray(dtype, xs);
    for (let i = 0; i < xs.length; i++) {
      const want = refEncode(ref, xs[i]);
      const wantCode =
        want === 'overflow'
          ? dtype === 'e4m3'
            ? (xs[i] < 0 ? 0x80 : 0) | 0x7f
            : (xs[i] < 0 ? 0x80 : 0) | 0x7c
          : want;
      expect(enc[i], `x = ${xs[i]}`).toBe(wantCode);
    }
  });
});

describe('fp8 rounding edges', () => {
  test('e4m3 saturation edge: 448 stays, 464 is a tie → 448, above → NaN or ±448 with saturate', () => {
    expect(encodeE4m3(448)).toBe(0x7e);
    expect(encodeE4m3(464)).toBe(0x7e); // tie between 448 (even mantissa) and 480 (not representable)
    expect(encodeE4m3(-464)).toBe(0xfe);
    expect(Number.isNaN(decodeBits('e4m3', encodeE4m3(464.0001)))).toBe(true);
    expect(Number.isNaN(decodeBits('e4m3', encodeE4m3(480)))).toBe(true);
    expect(Number.isNaN(decodeBits('e4m3', encodeE4m3(Number.POSITIVE_INFINITY)))).toBe(true);
    expect(encodeE4m3(464.0001, true)).toBe(0x7e);
    expect(encodeE4m3(-1e30, true)).toBe(0xfe);
    expect(encodeE4m3(Number.NEGATIVE_INFINITY, true)).toBe(0xfe);
    expect(encodeBits('e4m3', 1000, { saturate: true })).toBe(0x7e);
    expect(encodeE4m3(Number.NaN)).toBe(0x7f);
    expect(encodeE4m3(Number.NaN, true)).toBe(0x7f); // NaN stays NaN even when saturating
  });

  test('e5m2 saturation edge: 57344 stays, 61440 (tie, odd max) → inf, saturate → max', () => {
    expect(encodeE5m2(57344)).toBe(0x7b);
    expect(encodeE5m2(61439.99)).toBe(0x7b);
    expect(encodeE5m2(61440)).toBe(0x7c);
    expect(encodeE5m2(-61440)).toBe(0xfc);
    expect(encodeE5m2(Number.POSITIVE_INFINITY)).toBe(0x7c);
    expect(encodeE5m2(61440, true)).toBe(0x7b);
    expect(encodeE5m2(Number.NEGATIVE_INFINITY, true)).toBe(0xfb);
    expect(decodeBits('e5m2', 0x7c)).toBe(Number.POSITIVE_INFINITY);
    expect(decodeBits('e5m2', 0xfc)).toBe(Number.NEGATIVE_INFINITY);
  });

  test('subnormals and ties at small magnitudes', () => {
    // e4m3: smallest subnormal 2^-9, subnormal step 2^-9, smallest normal 2^-6.
    expect(decodeBits('e4m3', 0x01)).toBe(2 ** -9);
    expect(decodeBits('e4m3', 0x07)).toBe(7 * 2 ** -9);
    expect(decodeBits('e4m3', 0x08)).toBe(2 ** -6);
    expect(encodeE4m3(2 ** -10)).toBe(0x00); // tie between 0 and 2^-9 → even (0)
    expect(encodeE4m3(-(2 ** -10))).toBe(0x80);
    expect(encodeE4m3(1.5 * 2 ** -9)).toBe(0x02); // tie 1 vs 2 → 2
    expect(encodeE4m3(2.5 * 2 ** -9)).toBe(0x02); // tie 2 vs 3 → 2
    expect(encodeE4m3(7.5 * 2 ** -9)).toBe(0x08); // tie between largest subnormal and smallest normal
    expect(encodeE4m3(2 ** -10 + 2 ** -40)).toBe(0x01);
    // e5m2: smallest subnormal 2^-16.
    expect(decodeBits('e5m2', 0x01)).toBe(2 ** -16);
    expect(encodeE5m2(2 ** -17)).toBe(0x00);
    expect(encodeE5m2(3 * 2 ** -17)).toBe(0x02);
    // Ties in the normal range: 1 + 1/16 lies between 1 and 1.125 (e4m3) → 1 (even).
    expect(encodeE4m3(1 + 1 / 16)).toBe(0x38);
    expect(encodeE4m3(1 + 3 / 16)).toBe(0x3a); // 1.125 vs 1.25 → 1.25 (even)
    expect(encodeE5m2(1 + 1 / 8)).toBe(0x3c);
    expect(encodeE5m2(1 + 3 / 8)).toBe(0x3e);
  });

  test('tiny and huge doubles', () => {
    expect(encodeE4m3(5e-324)).toBe(0);
    expect(encodeE4m3(-5e-324)).toBe(0x80);
    expect(encodeE4m3(1e308)).toBe(0x7f);
    expect(encodeE5m2(1e308)).toBe(0x7c);
  });
});
