import { describe, expect, test } from 'vitest';
import {
  decodeToFloat64,
  forEachOffset,
  fullTensor,
  nanTensor,
  poisonBytes,
  poisonFill,
  Random,
  rand,
  randn,
  randomTensor,
  Tensor,
  tensorFrom,
} from '../src/index.js';

const bytesOf = (t: Tensor) => Array.from(t.hostBytes());

describe('Random (xoshiro128**)', () => {
  test('same seed → same stream; different seeds → different streams', () => {
    const a = new Random(42);
    const b = new Random(42);
    const c = new Random(43);
    const sa = Array.from({ length: 64 }, () => a.nextU32());
    const sb = Array.from({ length: 64 }, () => b.nextU32());
    const sc = Array.from({ length: 64 }, () => c.nextU32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
    expect(sa.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32)).toBe(true);
    // Seeds differing only in the high word also differ.
    expect(new Random(2 ** 40).nextU32()).not.toBe(new Random(0).nextU32());
  });

  test('uniform, int and normal have the right ranges and moments', () => {
    const r = new Random(7);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    let umin = 1;
    let umax = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      umin = Math.min(umin, u);
      umax = Math.max(umax, u);
      const g = r.normal();
      s += g;
      s2 += g * g;
    }
    expect(umin).toBeGreaterThanOrEqual(0);
    expect(umax).toBeLessThan(1);
    expect(Math.abs(s / n)).toBeLessThan(0.01);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.02);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[r.int(-3, 4) + 3]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    const big = r.int(0, 2 ** 40);
    expect(Number.isInteger(big) && big >= 0 && big < 2 ** 40).toBe(true);
    const f = r.fillUniform(new Float32Array(100), 5, 6);
    expect(f.every((x) => x >= 5 && x <= 6)).toBe(true);
    const g = r.fillNormal(new Float64Array(1000), 10, 0.5);
    expect(Math.abs(g.reduce((a, b) => a + b) / 1000 - 10)).toBeLessThan(0.1);
  });
});

describe('randomTensor', () => {
  test('reproducible per seed for every dtype, and different across seeds', () => {
    for (const dtype of [
      'f32',
      'f16',
      'bf16',
      'e4m3',
      'e5m2',
      'e2m1x2',
      'ue8m0',
      'i8',
      'u8',
      'i32',
      'i64',
    ] as const) {
      const a = randomTensor(dtype, [4, 8], { seed: 5 });
      const b = randomTensor(dtype, [4, 8], { seed: 5 });
      const c = randomTensor(dtype, [4, 8], { seed: 6 });
      expect(a.shape).toEqual([4, 8]);
      expect(a.dtype).toBe(dtype);
      expect(bytesOf(a)).toEqual(bytesOf(b));
      expect(bytesOf(a), dtype).not.toEqual(bytesOf(c));
      const v = decodeToFloat64(dtype, a.hostBytes());
      expect(v.every(Number.isFinite), dtype).toBe(true); // saturated by default
      expect(
        v.some((x) => x !== 0),
        dtype,
      ).toBe(true);
    }
  });

  test('normal parameters, uniform bounds and integer ranges', () => {
    const t = randomTensor('f32', [100_000], { seed: 1, mean: 3, std: 2 });
    const v = t.toFloat32Array();
    const mean = v.reduce((a, b) => a + b) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
    expect(Math.abs(mean - 3)).toBeLessThan(0.03);
    expect(Math.abs(sd - 2)).toBeLessThan(0.03);
    const u = randomTensor('f32', [10_000], { seed: 2, dist: 'uniform', low: -4, high: -2 }).toFloat32Array();
    expect(u.every((x) => x >= -4 && x <= -2)).toBe(true);
    const ints = decodeToFloat64(
      'i32',
      randomTensor('i32', [10_000], { seed: 3, dist: 'uniform', low: -5, high: 5 }).hostBytes(),
    );
    expect(Math.min(...ints)).toBe(-5);
    expect(Math.max(...ints)).toBe(4);
    const u8 = rand('u8', [5000], 9).toFloat32Array();
    expect(Math.min(...u8)).toBe(0);
    expect(Math.max(...u8)).toBe(255);
    const sc = decodeToFloat64('ue8m0', randn('ue8m0', [1000], 4).hostBytes());
    expect(sc.every((x) => x > 0 && Number.isInteger(Math.log2(x)))).toBe(true);
    expect(randn('e2m1x2', [3], 1).hostBytes().length).toBe(3);
    // Non-saturating: a huge std overflows e4m3 to NaN.
    const wild = randomTensor('e4m3', [1000], { seed: 1, std: 1e6, saturate: false }).toFloat32Array();
    expect(wild.some(Number.isNaN)).toBe(true);
  });
});

describe('fill helpers', () => {
  test('fullTensor fills every element (both nibbles for e2m1x2)', () => {
    expect([...fullTensor('bf16', [2, 3], 1.5).toFloat32Array()]).toEqual([1.5, 1.5, 1.5, 1.5, 1.5, 1.5]);
    expect([...fullTensor('e2m1x2', [2], -3).toFloat32Array()]).toEqual([-3, -3, -3, -3]);
    expect([...fullTensor('e4m3', [3], 1000, { saturate: true }).toFloat32Array()]).toEqual([448, 448, 448]);
    expect(fullTensor('i64', [0], 1).hostBytes().length).toBe(0);
    expect(fullTensor('i64', [5], -7).hostBytes().length).toBe(40);
    expect([...decodeToFloat64('i64', fullTensor('i64', [5], -7).hostBytes())]).toEqual([-7, -7, -7, -7, -7]);
  });

  test('nanTensor: NaN for float dtypes, sentinels for the rest', () => {
    for (const d of ['f32', 'f16', 'bf16', 'e4m3', 'e5m2', 'ue8m0'] as const)
      expect(nanTensor(d, [3, 2]).toFloat32Array().every(Number.isNaN), d).toBe(true);
    expect([...decodeToFloat64('i32', nanTensor('i32', [2]).hostBytes())]).toEqual([-(2 ** 31), -(2 ** 31)]);
    expect([...decodeToFloat64('i64', nanTensor('i64', [1]).hostBytes())]).toEqual([-(2 ** 63)]);
    expect([...nanTensor('i8', [2]).toFloat32Array()]).toEqual([-128, -128]);
    expect([...nanTensor('u8', [2]).toFloat32Array()]).toEqual([255, 255]);
    expect([...nanTensor('e2m1x2', [1]).toFloat32Array()]).toEqual([-6, -6]);
    expect([...poisonBytes('e4m3')]).toEqual([0x7f]);
  });

  test('poisonFill writes exactly the elements of a strided view', () => {
    const base = tensorFrom('f32', [3, 4], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    poisonFill(base.narrow(1, 1, 2).narrow(0, 1, 2));
    const v = [...base.toFloat32Array()];
    expect(v.map((x) => (Number.isNaN(x) ? 'N' : x))).toEqual([1, 2, 3, 4, 5, 'N', 'N', 8, 9, 'N', 'N', 12]);
    const offs: number[] = [];
    forEachOffset(base.transpose(0, 1), (o) => offs.push(o));
    expect(offs).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
  });

  test('tensorFrom encodes logical values (2 per element for e2m1x2)', () => {
    const t = tensorFrom('e2m1x2', [2], [1, 2, 3, 4]);
    expect([...t.hostBytes()]).toEqual([0x2 | (0x4 << 4), 0x5 | (0x6 << 4)]);
    expect(t).toBeInstanceOf(Tensor);
  });
});

describe('xoshiro128** against an independent BigInt implementation', () => {
  /** Reference step written with BigInt arithmetic (mod 2^32) instead of Math.imul and int32 tricks. */
  function* reference(state: bigint[]): Generator<bigint> {
    const M = 0xffffffffn;
    const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M;
    const s = [...state];
    for (;;) {
      const result = (rotl((s[1] * 5n) & M, 7n) * 9n) & M;
      const t = (s[1] << 9n) & M;
      s[2] ^= s[0];
      s[3] ^= s[1];
      s[1] ^= s[2];
      s[0] ^= s[3];
      s[2] ^= t;
      s[3] = rotl(s[3], 11n);
      yield result;
    }
  }

  test.each([
    [1, 2, 3, 4],
    [0xdeadbeef, 0x01234567, 0x89abcdef, 0xffffffff],
  ])('state %i %i %i %i: first 1000 outputs match', (a, b, c, d) => {
    const mine = Random.fromState(a, b, c, d);
    const ref = reference([a, b, c, d].map(BigInt));
    for (let i = 0; i < 1000; i++) expect(mine.nextU32()).toBe(Number(ref.next().value));
  });

  test('first output for state (1, 2, 3, 4) is rotl(2·5, 7)·9 = 11520', () => {
    expect(Random.fromState(1, 2, 3, 4).nextU32()).toBe(11520);
  });

  test('golden stream: seed 1 gives the same values forever (test data depends on it)', () => {
    const r = new Random(1);
    const first = [r.nextU32(), r.nextU32(), r.nextU32()];
    const again = new Random(1);
    expect([again.nextU32(), again.nextU32(), again.nextU32()]).toEqual(first);
    // Pinned: changing the seeding or the generator changes every test's data; update deliberately.
    expect(first).toEqual(GOLDEN_SEED1);
  });

  test('fromState rejects bad states', () => {
    expect(() => Random.fromState(0, 0, 0, 0)).toThrow(
      expect.objectContaining({ code: 'E_RANGE', arg: 'state' }),
    );
    expect(() => Random.fromState(1, 2, 3, 2 ** 32)).toThrow(expect.objectContaining({ code: 'E_RANGE' }));
  });
});

const GOLDEN_SEED1 = [2442144158, 3238099751, 3819917871];
