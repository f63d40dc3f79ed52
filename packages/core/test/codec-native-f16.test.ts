/**
 * The f16 codec uses a native Float16Array when the host has one (Node 24+, recent browsers). Node 20
 * has none, so this test installs a stand-in with the same element semantics (backed by the scalar f16
 * codec) and checks that the native-path wiring (views, offsets, unaligned input, saturate fallback)
 * gives exactly the table path's results.
 */
import { afterAll, expect, test, vi } from 'vitest';
import { decodeArray, decodeF16, encodeArray, encodeF16, Random } from '../src/index.js';

class StandInFloat16Array {
  constructor(buffer: ArrayBufferLike, byteOffset: number, length: number) {
    const u16 = new Uint16Array(buffer, byteOffset, length);
    // biome-ignore lint/correctness/noConstructorReturn: a Proxy gives typed-array-like indexing
    return new Proxy(this, {
      get(target, key) {
        if (key === 'length') return u16.length;
        if (typeof key === 'string' && /^\d+$/.test(key)) return decodeF16(u16[Number(key)]);
        return Reflect.get(target, key);
      },
      set(_target, key, value) {
        if (typeof key === 'string' && /^\d+$/.test(key)) u16[Number(key)] = encodeF16(value);
        return true;
      },
    });
  }
}

afterAll(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

test('native-Float16Array path matches the table path', async () => {
  vi.stubGlobal('Float16Array', StandInFloat16Array);
  vi.resetModules();
  const native = await import('../src/codec.js');
  expect(native.HAS_NATIVE_FLOAT16).toBe(true);
  const all = new Uint8Array(Uint16Array.from({ length: 65536 }, (_, i) => i).buffer);
  const a = native.decodeArray('f16', all);
  const b = decodeArray('f16', all);
  expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
  const shifted = new Uint8Array(all.length + 1);
  shifted.set(all, 1);
  const c = native.decodeToFloat64('f16', shifted.subarray(1));
  expect(c.every((v, i) => Object.is(v, b[i]) || (Number.isNaN(v) && Number.isNaN(b[i])))).toBe(true);
  const r = new Random(5);
  const xs = Array.from({ length: 5000 }, () => (r.uniform() * 2 - 1) * 70000);
  expect([...native.encodeArray('f16', xs)]).toEqual([...encodeArray('f16', xs)]);
  expect([...native.encodeArray('f16', xs, { saturate: true })]).toEqual([
    ...encodeArray('f16', xs, { saturate: true }),
  ]);
});
