import { describe, expect, test } from 'vitest';
import {
  decodeArray,
  decodeBits,
  decodeE2m1,
  decodeToFloat64,
  decodeUe8m0,
  encodeArray,
  encodeBits,
  encodeE2m1,
  encodeUe8m0,
  roundArray,
  roundHalfEven,
  roundTo,
  valueCount,
} from '../src/index.js';
import { REF, refDecode, refEncode } from './reference-formats.js';

describe('e2m1 / e2m1x2', () => {
  test('the 16 codes are 0,.5,1,1.5,2,3,4,6 with bit 3 as sign', () => {
    const pos = [0, 0.5, 1, 1.5, 2, 3, 4, 6];
    for (let c = 0; c < 16; c++) {
      const want = c < 8 ? pos[c] : -pos[c - 8];
      expect(Object.is(decodeE2m1(c), want), `code ${c}`).toBe(true);
      expect(Object.is(refDecode(REF.e2m1, c), want)).toBe(true);
      expect(encodeE2m1(want)).toBe(c);
    }
  });

  test('packing order: low nibble holds the even element', () => {
    const bytes = encodeArray('e2m1x2', [1, -6, 0.5, 3]);
    expect([...bytes]).toEqual([0x2 | (0xf << 4), 0x1 | (0x5 << 4)]);
    expect([...decodeArray('e2m1x2', new Uint8Array([0x72]))]).toEqual([1, 6]);
    expect(valueCount('e2m1x2', 3)).toBe(6);
    expect(decodeToFloat64('e2m1x2', new Uint8Array([0xa9])).length).toBe(2);
  });

  test('rounding: ties to even, always saturates to ±6', () => {
    const xs = [
      0.25,
      0.75,
      1.25,
      1.75,
      2.5,
      3.5,
      5,
      7,
      100,
      Number.POSITIVE_INFINITY,
      -0.25,
      -5,
      -1e9,
      0.2500001,
    ];
    const want = [0, 1, 1, 2, 2, 4, 4, 6, 6, 6, -0, -4, -6, 0.5];
    const got = decodeArray('e2m1x2', encodeArray('e2m1x2', xs));
    expect([...got]).toEqual(want);
    for (const x of xs) {
      const r = refEncode(REF.e2m1, x);
      const code = r === 'overflow' ? (x < 0 ? 15 : 7) : r;
      expect(encodeE2m1(x), `${x}`).toBe(code);
    }
    expect(encodeBits('e2m1x2', 5)).toBe(0x6);
    expect(decodeBits('e2m1x2', 0xe)).toBe(-4);
    expect(roundTo('e2m1x2', 2.6)).toBe(3);
  });
});

describe('ue8m0', () => {
  test('byte b decodes to 2^(b-127); 0xff is NaN', () => {
    const all = decodeToFloat64(
      'ue8m0',
      Uint8Array.from({ length: 256 }, (_, i) => i),
    );
    for (let b = 0; b < 255; b++) expect(all[b]).toBe(2 ** (b - 127));
    expect(Number.isNaN(all[255])).toBe(true);
    expect(decodeUe8m0(0)).toBe(2 ** -127);
    expect(decodeArray('ue8m0', new Uint8Array([0]))[0]).toBe(2 ** -127); // float32 subnormal, exact
  });

  test("round 'up' is the smallest power of two >= x (DeepGEMM scales)", () => {
    expect(encodeUe8m0(1)).toBe(127);
    expect(encodeUe8m0(1.0000001)).toBe(128);
    expect(encodeUe8m0(0.75)).toBe(127);
    expect(encodeUe8m0(0.5)).toBe(126);
    expect(encodeUe8m0(448 / 448)).toBe(127);
    expect(encodeUe8m0(3 / 448)).toBe(127 - 7); // 3/448 ≈ 0.0067 → 2^-7
    expect(encodeUe8m0(2 ** 127)).toBe(254);
    expect(encodeUe8m0(2 ** 127 * 1.5)).toBe(255); // overflow → NaN
    expect(encodeUe8m0(2 ** 127 * 1.5, 'up', true)).toBe(254);
    expect(encodeUe8m0(Number.POSITIVE_INFINITY)).toBe(255);
    expect(encodeUe8m0(Number.POSITIVE_INFINITY, 'up', true)).toBe(254);
    expect(encodeUe8m0(0)).toBe(0);
    expect(encodeUe8m0(2 ** -200)).toBe(0);
    expect(encodeUe8m0(5e-324)).toBe(0);
    expect(encodeUe8m0(Number.NaN)).toBe(255);
    // Every code round-trips in both modes.
    for (let b = 0; b < 255; b++) {
      expect(encodeUe8m0(2 ** (b - 127))).toBe(b);
      expect(encodeUe8m0(2 ** (b - 127), 'nearest')).toBe(b);
    }
  });

  test("round 'nearest': nearest in value, 1.5·2^k ties go up", () => {
    expect(encodeUe8m0(1.49, 'nearest')).toBe(127);
    expect(encodeUe8m0(1.5, 'nearest')).toBe(128);
    expect(encodeUe8m0(0.74, 'nearest')).toBe(126);
    expect(encodeUe8m0(2 ** 127 * 1.4, 'nearest')).toBe(254);
    expect(encodeUe8m0(2 ** 127 * 1.6, 'nearest')).toBe(255);
    expect(encodeUe8m0(2 ** -128, 'nearest')).toBe(0);
    expect([...encodeArray('ue8m0', [1.5, 3, 0.7], { round: 'nearest' })]).toEqual([128, 129, 126]);
    expect([...encodeArray('ue8m0', [1.5, 3, 0.7])]).toEqual([128, 129, 127]);
    expect(encodeBits('ue8m0', 3, { round: 'nearest' })).toBe(129);
    expect(roundTo('ue8m0', 5)).toBe(8);
  });
});

describe('integers', () => {
  test('round half to even, range checks and saturation', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6].map(roundHalfEven)).toEqual([
      0, 2, 2, 0, -2, -2, 2, -3,
    ]);
    expect([...decodeArray('i8', encodeArray('i8', [-128, 127, 2.5, -3.5]))]).toEqual([-128, 127, 2, -4]);
    expect([...decodeArray('i8', encodeArray('i8', [-1000, 1000], { saturate: true }))]).toEqual([-128, 127]);
    expect([...decodeArray('u8', encodeArray('u8', [0, 255, -5, 300], { saturate: true }))]).toEqual([
      0, 255, 0, 255,
    ]);
    expect([...decodeToFloat64('i32', encodeArray('i32', [-(2 ** 31), 2 ** 31 - 1, 7.5]))]).toEqual([
      -(2 ** 31),
      2 ** 31 - 1,
      8,
    ]);
    expect(encodeBits('i8', -1)).toBe(0xff);
    expect(decodeBits('i8', 0xff)).toBe(-1);
    expect(decodeBits('u8', 0x1ff)).toBe(255);
    expect(encodeBits('u8', 200)).toBe(200);
    expect(encodeBits('i32', -5)).toBe(-5);
    expect(decodeBits('i32', 0xffffffff)).toBe(-1);
    expect(Object.is(roundTo('i32', -0.4), 0)).toBe(true);
  });

  test('i64: two words, exact to 2^53, saturating to the double range', () => {
    const xs = [0, -1, 1, 2 ** 32, -(2 ** 32) - 1, 2 ** 53, -(2 ** 53) + 1, 123456789012345];
    const bytes = encodeArray('i64', xs);
    expect([...decodeToFloat64('i64', bytes)]).toEqual(xs);
    const big = new BigInt64Array(bytes.buffer);
    expect([...big]).toEqual(xs.map((x) => BigInt(x)));
    const sat = new BigInt64Array(encodeArray('i64', [1e30, -1e30], { saturate: true }).buffer);
    expect([...sat]).toEqual([2n ** 63n - 1024n, -(2n ** 63n)]);
    expect(roundTo('i64', 2.5)).toBe(2);
    // Unaligned view decodes the same.
    const shifted = new Uint8Array(bytes.byteLength + 3);
    shifted.set(bytes, 3);
    expect([...decodeToFloat64('i64', shifted.subarray(3))]).toEqual(xs);
  });

  test('i32 and f32 decode from unaligned views', () => {
    const bytes = encodeArray('i32', [1, -2, 3]);
    const shifted = new Uint8Array(13);
    shifted.set(bytes, 1);
    expect([...decodeArray('i32', shifted.subarray(1))]).toEqual([1, -2, 3]);
    const f = encodeArray('f32', [0.5, -7]);
    const fs = new Uint8Array(9);
    fs.set(f, 1);
    expect([...decodeArray('f32', fs.subarray(1))]).toEqual([0.5, -7]);
  });
});

describe('roundArray', () => {
  test('rounds every value once into the given output', () => {
    const out = roundArray('e4m3', [17, 0.1, 1000], { saturate: true });
    expect([...out]).toEqual([16, 0.1015625, 448]);
    const f32 = new Float32Array(2);
    expect(roundArray('bf16', [1 + 2 ** -8, 3], {}, f32)).toBe(f32);
    expect([...f32]).toEqual([1, 3]);
  });
});
