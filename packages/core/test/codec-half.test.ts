import { describe, expect, test } from 'vitest';
import {
  decodeArray,
  decodeBf16,
  decodeBits,
  decodeF16,
  decodeToFloat64,
  encodeArray,
  encodeBf16,
  encodeBits,
  encodeF16,
  encodeMiniFloat,
  F32,
  Random,
  roundTo,
} from '../src/index.js';
import { REF, refDecode, refEncode } from './reference-formats.js';

const ALL = (() => {
  const u16 = Uint16Array.from({ length: 65536 }, (_, i) => i);
  return new Uint8Array(u16.buffer);
})();

const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

describe.each([
  ['f16', REF.f16, 0x7c00],
  ['bf16', REF.bf16, 0x7f80],
] as const)('%s', (dtype, ref, infCode) => {
  test('all 65536 patterns decode like an independent formula (bulk, float64 and scalar)', () => {
    const got = decodeArray(dtype, ALL);
    const got64 = decodeToFloat64(dtype, ALL);
    const scalar = dtype === 'f16' ? decodeF16 : decodeBf16;
    let bad = -1;
    for (let c = 0; c < 65536 && bad < 0; c++) {
      const want = refDecode(ref, c);
      if (!same(got[c], want) || !same(got64[c], want) || !same(scalar(c), want)) bad = c;
    }
    expect(bad).toBe(-1);
  });

  test('all 65536 patterns round-trip through encode (NaN stays NaN)', () => {
    const values = decodeArray(dtype, ALL);
    const back = new Uint16Array(encodeArray(dtype, values).buffer);
    const scalar = dtype === 'f16' ? encodeF16 : encodeBf16;
    let bad = -1;
    for (let c = 0; c < 65536 && bad < 0; c++) {
      if (Number.isNaN(values[c])) {
        if (!Number.isNaN(decodeBits(dtype, back[c])) || !Number.isNaN(decodeBits(dtype, scalar(values[c]))))
          bad = c;
      } else if (back[c] !== c || scalar(values[c]) !== c) bad = c;
    }
    expect(bad).toBe(-1);
  });

  test('encode equals the brute-force nearest-even reference (random, midpoints, neighbours)', () => {
    const rng = new Random(3);
    const max = refDecode(ref, infCode - 1);
    const xs: number[] = [];
    for (let i = 0; i < 4000; i++) xs.push((rng.uniform() * 2 - 1) * max * 1.1 * rng.uniform() ** 20);
    // Midpoints of consecutive patterns, plus just above and below them (doubles that are not float32).
    for (let i = 0; i < 3000; i++) {
      const c = rng.int(0, infCode - 1);
      const mid = (refDecode(ref, c) + refDecode(ref, c + 1)) / 2;
      xs.push(mid, -mid, mid * (1 + 2 ** -50), mid * (1 - 2 ** -50));
    }
    xs.push(max, max * 1.0001, -max * 1.01, 1e300, 5e-324, -5e-324, 0, -0);
    // float32-exact inputs take the integer fast path: random float32s, float32 subnormals, huge float32s.
    for (let i = 0; i < 4000; i++) xs.push(Math.fround(xs[i]));
    for (let i = 0; i < 500; i++) xs.push(rng.int(1, 2 ** 23) * 2 ** -149 * (i % 2 ? -1 : 1));
    xs.push(2 ** -149, 3.4028234663852886e38, -3.4028234663852886e38, Math.fround(max * 1.0001));
    const enc = new Uint16Array(encodeArray(dtype, xs).buffer);
    for (let i = 0; i < xs.length; i++) {
      const want = refEncode(ref, xs[i]);
      const wantCode = want === 'overflow' ? (xs[i] < 0 ? 0x8000 : 0) | infCode : want;
      if (enc[i] !== wantCode)
        expect(`${xs[i]} → ${enc[i].toString(16)}`).toBe(`${xs[i]} → ${Number(wantCode).toString(16)}`);
    }
  });

  test('unaligned input bytes decode the same', () => {
    const buf = new Uint8Array(ALL.byteLength + 1);
    buf.set(ALL, 1);
    const a = decodeArray(dtype, buf.subarray(1));
    const b = decodeArray(dtype, ALL);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
  });
});

describe('half-precision edges', () => {
  test('f16 overflow, saturation, subnormals and ties', () => {
    expect(encodeF16(65504)).toBe(0x7bff);
    expect(encodeF16(65519.99)).toBe(0x7bff);
    expect(encodeF16(65520)).toBe(0x7c00); // tie, max mantissa odd → overflow to inf
    expect(encodeF16(65520, true)).toBe(0x7bff);
    expect(encodeF16(Number.NEGATIVE_INFINITY, true)).toBe(0xfbff);
    expect(encodeF16(2 ** -24)).toBe(0x0001);
    expect(encodeF16(2 ** -25)).toBe(0x0000); // tie → 0
    expect(encodeF16(3 * 2 ** -25)).toBe(0x0002); // tie 1 vs 2 → 2
    expect(encodeF16(-(2 ** -26))).toBe(0x8000);
    expect(encodeF16(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(encodeF16(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(encodeF16(Number.NaN)).toBe(0x7e00);
    expect(encodeBits('f16', Number.NaN, { saturate: true })).toBe(0x7e00);
  });

  test('bf16: float32 fast path and the exact double path agree with the rules', () => {
    expect(encodeBf16(1 + 2 ** -8)).toBe(0x3f80); // exact float32 tie → even
    expect(encodeBf16(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(encodeBf16(1 + 2 ** -8 + 2 ** -40)).toBe(0x3f81); // not a float32: no double rounding
    expect(encodeBf16(3.3895313892515355e38)).toBe(0x7f7f); // bf16 max
    expect(encodeBf16(3.4e38)).toBe(0x7f80); // rounds up to inf
    expect(encodeBf16(3.4e38, true)).toBe(0x7f7f);
    expect(encodeBf16(1e39)).toBe(0x7f80); // above float32 range
    expect(encodeBf16(-1e39, true)).toBe(0xff7f);
    expect(encodeBf16(Number.NaN)).toBe(0x7fc0);
    expect(encodeBf16(-0)).toBe(0x8000);
    expect(encodeBf16(2 ** -133)).toBe(0x0001); // smallest bf16 subnormal
    expect(roundTo('bf16', 1 + 2 ** -8)).toBe(1);
    expect(roundTo('bf16', 1 + 2 ** -8, { saturate: true })).toBe(1);
  });

  test('f32 encode/decode bits and saturation', () => {
    expect(encodeBits('f32', 1)).toBe(0x3f800000);
    expect(encodeBits('f32', -2)).toBe(0xc0000000);
    expect(encodeBits('f32', 1e39)).toBe(0x7f800000);
    expect(encodeBits('f32', 1e39, { saturate: true })).toBe(0x7f7fffff);
    expect(encodeBits('f32', -1e39, { saturate: true })).toBe(0xff7fffff);
    expect(encodeBits('f32', Number.NaN)).toBe(0x7fc00000);
    expect(decodeBits('f32', 0x3f800000)).toBe(1);
    expect(roundTo('f32', 0.1)).toBe(Math.fround(0.1));
    expect(roundTo('f32', 1e39, { saturate: true })).toBe(3.4028234663852886e38);
    const enc = encodeArray('f32', [1.5, 1e39, -1e39, Number.NaN], { saturate: true });
    expect([...decodeArray('f32', enc)]).toEqual([
      1.5,
      3.4028234663852886e38,
      -3.4028234663852886e38,
      Number.NaN,
    ]);
    const plain = decodeArray('f32', encodeArray('f32', [0.1, 1e39]));
    expect([...plain]).toEqual([Math.fround(0.1), Number.POSITIVE_INFINITY]);
  });

  test('the generic minifloat encoder with f32 parameters agrees with Math.fround (both paths)', () => {
    const r = new Random(8);
    const xs = [0, -0, 1, 2 ** -149, 2 ** -150, 3 * 2 ** -150, 2 ** -126, 1e39, -1e39, 3.4028235677973366e38];
    for (let i = 0; i < 5000; i++) {
      const x = (r.uniform() * 2 - 1) * 2 ** r.int(-160, 130);
      xs.push(x, Math.fround(x));
    }
    for (const x of xs) expect(encodeMiniFloat(F32, x) >>> 0, `${x}`).toBe(encodeBits('f32', x));
  });
});
