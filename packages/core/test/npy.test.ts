import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  type DType,
  decodeToFloat64,
  type GemmkitError,
  parseNpy,
  randomTensor,
  readNpy,
  saveNpy,
  Tensor,
  tensorFrom,
  writeNpy,
} from '../src/index.js';

const fixture = (name: string) => join(import.meta.dirname, 'fixtures', 'npy', name);
const values = (t: Tensor) => [...decodeToFloat64(t.dtype, t.hostBytes())];

describe('readNpy: files written by NumPy (fixtures/make-npy-fixtures.py)', () => {
  test('C order f4, v1 header', async () => {
    const t = await readNpy(fixture('c_f4.npy'));
    expect(t.dtype).toBe('f32');
    expect(t.shape).toEqual([3, 4]);
    expect(values(t)).toEqual(Array.from({ length: 12 }, (_, i) => i * 0.5 - 2));
  });

  test('Fortran order is returned in C order', async () => {
    const t = await readNpy(fixture('fortran_i4.npy'));
    expect(t.dtype).toBe('i32');
    expect(t.shape).toEqual([2, 3, 4]);
    expect(t.isContiguous).toBe(true);
    expect(values(t)).toEqual(Array.from({ length: 24 }, (_, i) => i - 7));
  });

  test('big-endian f2 is byte-swapped', async () => {
    const t = await readNpy(fixture('be_f2.npy'));
    expect(t.dtype).toBe('f16');
    expect(values(t)).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25]);
  });

  test('v2 header with i8, v3 header with u1, 0-d i1', async () => {
    const a = await readNpy(fixture('v2_i8.npy'));
    expect(a.dtype).toBe('i64');
    expect(values(a)).toEqual([-3, 2 ** 40, 7, -(2 ** 53)]);
    const b = await readNpy(readFileSync(fixture('v3_u1.npy')));
    expect(b.dtype).toBe('u8');
    expect(b.shape).toEqual([2, 3]);
    expect(values(b)).toEqual([250, 251, 252, 253, 254, 255]);
    const c = parseNpy(new Uint8Array(readFileSync(fixture('scalar_i1.npy'))));
    expect(c.shape).toEqual([]);
    expect(values(c)).toEqual([-5]);
  });

  test("'|V2' reads as bf16; an override dtype of the same size is honoured", async () => {
    const t = await readNpy(fixture('bf16_v2.npy'));
    expect(t.dtype).toBe('bf16');
    expect(values(t)).toEqual([1, -2, 0.5]);
    const f = await readNpy(fixture('bf16_v2.npy'), { dtype: 'f16' });
    expect(f.dtype).toBe('f16');
    const buf = readFileSync(fixture('c_f4.npy'));
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    expect((await readNpy(ab)).shape).toEqual([3, 4]);
  });
});

describe('files written by NumPy + ml_dtypes', () => {
  test("bf16 ('<V2') reads as bf16; e4m3 ('<V1') with { dtype }", async () => {
    const b = await readNpy(fixture('ml_bf16.npy'));
    expect(b.dtype).toBe('bf16');
    expect(values(b)).toEqual([1, -2, 0.5, 3.140625]);
    await expect(readNpy(fixture('ml_e4m3.npy'))).rejects.toMatchObject({ code: 'E_DTYPE', arg: 'descr' });
    const e = await readNpy(fixture('ml_e4m3.npy'), { dtype: 'e4m3' });
    expect(e.shape).toEqual([2, 2]);
    expect(values(e)).toEqual([1, -448, 0.001953125, 16]); // 17 is a tie → 16 (even)
  });

  test('our header for bf16 is byte-identical to the one ml_dtypes writes', async () => {
    const theirs = new Uint8Array(readFileSync(fixture('ml_bf16.npy')));
    const ours = writeNpy(tensorFrom('bf16', [4], [1, -2, 0.5, 3.140625]));
    expect([...ours]).toEqual([...theirs]);
  });
});

describe('writeNpy → parseNpy round trip', () => {
  test.each<[DType, number[]]>([
    ['f32', [2, 3]],
    ['f16', [5]],
    ['bf16', [2, 2, 2]],
    ['i32', [4, 1]],
    ['i64', [3]],
    ['u8', [7]],
    ['i8', [2, 3]],
    ['e4m3', [3, 5]],
    ['e5m2', [4]],
    ['ue8m0', [2]],
    ['e2m1x2', [2, 2]],
  ])('%s %j', (dtype, shape) => {
    const t = randomTensor(dtype, shape, {
      seed: 17,
      dist: dtype.startsWith('i') || dtype === 'u8' ? 'uniform' : 'normal',
    });
    const bytes = writeNpy(t);
    // Header: magic, v1, padded so the data is 64-byte aligned, ends with '\n'.
    expect([...bytes.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const hlen = bytes[8] | (bytes[9] << 8);
    expect((10 + hlen) % 64).toBe(0);
    expect(bytes[10 + hlen - 1]).toBe(0x0a);
    const oneByteVoid = ['e4m3', 'e5m2', 'ue8m0', 'e2m1x2'].includes(dtype);
    const back = parseNpy(bytes, oneByteVoid ? { dtype } : {});
    expect(back.dtype).toBe(dtype);
    expect(back.shape).toEqual(shape);
    expect([...back.hostBytes()]).toEqual([...t.hostBytes()]);
  });

  test('strided views are written in C order; 1-d shapes use a one-tuple', () => {
    const t = tensorFrom('f32', [2, 3], [1, 2, 3, 4, 5, 6]).transpose();
    const bytes = writeNpy(t);
    expect(new TextDecoder().decode(bytes.subarray(10, 80))).toContain("'shape': (3, 2)");
    expect(values(parseNpy(bytes))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(new TextDecoder().decode(writeNpy(tensorFrom('i32', [2], [1, 2])).subarray(10, 80))).toContain(
      "'shape': (2,)",
    );
  });

  test('parsed tensors are zero-copy views over the input', () => {
    const bytes = writeNpy(tensorFrom('f32', [2], [1, 2]));
    const t = parseNpy(bytes);
    bytes[bytes.length - 4 + 3] ^= 0x80; // flip the sign of the last element in the source bytes
    expect(values(t)).toEqual([1, -2]);
  });

  test('saveNpy writes a file readNpy reads back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gk-npy-'));
    const t = randomTensor('bf16', [3, 3], { seed: 2 });
    await saveNpy(join(dir, 'x.npy'), t);
    const back = await readNpy(join(dir, 'x.npy'));
    expect([...back.hostBytes()]).toEqual([...t.hostBytes()]);
  });

  test('large headers switch to format 2.0', () => {
    const shape = Array.from({ length: 25000 }, () => 1);
    const bytes = writeNpy(Tensor.host('u8', shape));
    expect(bytes[6]).toBe(2);
    const back = parseNpy(bytes);
    expect(back.shape.length).toBe(25000);
  });
});

describe('npy errors', () => {
  const err = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return e as GemmkitError;
    }
    throw new Error('expected a GemmkitError');
  };
  const good = writeNpy(tensorFrom('f32', [2], [1, 2]));
  const withHeader = (h: string) => {
    const text = h.padEnd(118, ' ') + '\n';
    const out = new Uint8Array(128);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 118, 0]);
    for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
    return out;
  };

  test('bad magic, version, truncation', () => {
    expect(err(() => parseNpy(new Uint8Array(20))).code).toBe('E_UNSUPPORTED');
    const v9 = good.slice();
    v9[6] = 9;
    expect(err(() => parseNpy(v9)).code).toBe('E_UNSUPPORTED');
    expect(err(() => parseNpy(good.subarray(0, 30))).code).toBe('E_SHAPE');
    expect(err(() => parseNpy(good.subarray(0, good.length - 1))).code).toBe('E_SHAPE');
    const v2short = good.slice(0, 11);
    v2short[6] = 2;
    expect(err(() => parseNpy(v2short)).code).toBe('E_SHAPE');
  });

  test('unreadable headers, shapes and dtypes', () => {
    expect(
      err(() => parseNpy(withHeader("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }")))
        .code,
    ).toBe('E_UNSUPPORTED');
    expect(
      err(() => parseNpy(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"))).code,
    ).toBe('E_SHAPE');
    expect(
      err(() => parseNpy(withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (0,), }"))).code,
    ).toBe('E_DTYPE');
    expect(
      err(() => parseNpy(withHeader("{'descr': 'xf4', 'fortran_order': False, 'shape': (0,), }"))).code,
    ).toBe('E_DTYPE');
    const v1 = err(() => parseNpy(withHeader("{'descr': '|V1', 'fortran_order': False, 'shape': (0,), }")));
    expect(v1.code).toBe('E_DTYPE');
    expect(v1.message).toContain('needs { dtype }');
    expect(
      err(() =>
        parseNpy(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (0,), }"), { dtype: 'f16' }),
      ).code,
    ).toBe('E_DTYPE');
    expect(
      err(() =>
        parseNpy(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (0,), }"), {
          dtype: 'f64' as DType,
        }),
      ).code,
    ).toBe('E_DTYPE');
  });

  test('writer and source errors', async () => {
    expect(err(() => writeNpy({} as Tensor)).code).toBe('E_UNSUPPORTED');
    const t = tensorFrom('f32', [1], [1]);
    t.dispose();
    expect(err(() => writeNpy(t)).code).toBe('E_DISPOSED');
    await expect(readNpy(42 as unknown as string)).rejects.toMatchObject({
      code: 'E_UNSUPPORTED',
      arg: 'source',
    });
    await expect(readNpy('/nonexistent/dir/x.npy')).rejects.toMatchObject({
      code: 'E_UNSUPPORTED',
      arg: 'path',
    });
  });
});
