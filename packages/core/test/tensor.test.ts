import { describe, expect, test } from 'vitest';
import {
  contiguousStrides,
  decodeToFloat64,
  GemmkitError,
  HostStorage,
  numelOf,
  type Storage,
  Tensor,
  tensorFrom,
} from '../src/index.js';

const vals = (t: Tensor) => [...decodeToFloat64(t.dtype, t.hostBytes())];
const iota = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** Code and argument of the GemmkitError `fn` throws. */
function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof GemmkitError)) throw e;
    return `${e.code} ${e.arg}`;
  }
  return 'no error';
}

/** A device-side storage stand-in: holds bytes but is not host memory. */
class FakeDeviceStorage implements Storage {
  readonly device = 'fake';
  disposed = false;
  reads: Array<[number, number]> = [];
  constructor(readonly bytes: Uint8Array) {}
  get byteLength() {
    return this.bytes.byteLength;
  }
  async read(off: number, len: number) {
    this.reads.push([off, len]);
    return this.bytes.slice(off, off + len);
  }
  dispose() {
    this.disposed = true;
  }
}

describe('Tensor basics', () => {
  test('host, shape helpers, toString', () => {
    const t = Tensor.host('bf16', [2, 3]);
    expect(t.numel).toBe(6);
    expect(t.nbytes).toBe(12);
    expect(t.rank).toBe(2);
    expect(t.strides).toEqual([3, 1]);
    expect(t.device).toBe('host');
    expect(t.isContiguous).toBe(true);
    expect(String(t)).toBe('Tensor(bf16, [2, 3], host)');
    expect(numelOf([])).toBe(1);
    expect(contiguousStrides([2, 3, 4])).toEqual([12, 4, 1]);
    expect(Tensor.host('f32', [0, 5]).spanElements()).toBe(0);
  });

  test('reshape (with -1), permute, transpose, narrow, unsqueeze on strided views', () => {
    const t = tensorFrom('f32', [2, 3, 4], iota(24));
    expect(vals(t.reshape([4, -1]))).toEqual(iota(24));
    expect(t.reshape([6, 4]).shape).toEqual([6, 4]);
    const p = t.permute([2, 0, 1]);
    expect(p.shape).toEqual([4, 2, 3]);
    expect(p.strides).toEqual([1, 12, 4]);
    expect(p.isContiguous).toBe(false);
    expect(vals(p).slice(0, 6)).toEqual([1, 5, 9, 13, 17, 21]);
    const tt = t.transpose();
    expect(tt.shape).toEqual([2, 4, 3]);
    expect(vals(tt).slice(0, 3)).toEqual([1, 5, 9]);
    const n = t.narrow(2, 1, 2).narrow(0, 1, 1);
    expect(n.shape).toEqual([1, 3, 2]);
    expect(n.offset).toBe(13);
    expect(vals(n)).toEqual([14, 15, 18, 19, 22, 23]);
    expect(t.narrow(-1, 3, 1).shape).toEqual([2, 3, 1]);
    const u = t.unsqueeze(1);
    expect(u.shape).toEqual([2, 1, 3, 4]);
    expect(vals(u)).toEqual(iota(24));
    expect(t.unsqueeze(-1).shape).toEqual([2, 3, 4, 1]);
    // A narrowed view of unit size in the outer dim is still contiguous and can be reshaped.
    expect(vals(t.narrow(0, 1, 1).reshape([12]))).toEqual(iota(24).slice(12));
    // Views share storage: writing through one is visible through another.
    const base = tensorFrom('i32', [2, 2], [1, 2, 3, 4]);
    (base.storage as HostStorage).bytes[0] = 9;
    expect(vals(base.transpose())).toEqual([9, 3, 2, 4]);
  });

  test('toHost copies strided host views and device views into contiguous host tensors', async () => {
    const t = tensorFrom('bf16', [3, 4], iota(12));
    const h = await t.transpose().narrow(0, 1, 2).toHost();
    expect(h.isContiguous).toBe(true);
    expect(h.shape).toEqual([2, 3]);
    expect(vals(h)).toEqual([2, 6, 10, 3, 7, 11]);
    expect(h.storage).not.toBe(t.storage);
    const dev = new FakeDeviceStorage(tensorFrom('f32', [3, 4], iota(12)).hostBytes().slice());
    const view = new Tensor('f32', [2, 2], dev, [1, 4], 5); // elements 6,10 / 7,11 transposed
    const back = await view.toHost();
    expect(dev.reads).toEqual([[20, 24]]); // only the span, from the view's first element
    expect(back.device).toBe('host');
    expect(vals(back)).toEqual([6, 10, 7, 11]);
    expect(thrown(() => view.hostBytes())).toBe('E_DEVICE tensor');
    expect(thrown(() => view.toFloat32Array())).toBe('E_DEVICE tensor');
  });

  test('dispose frees the storage for every view; later use is E_DISPOSED', async () => {
    const t = tensorFrom('f32', [2, 2], [1, 2, 3, 4]);
    const v = t.transpose();
    v.dispose();
    expect(t.disposed).toBe(true);
    expect(v.disposed).toBe(true);
    t.dispose(); // idempotent
    expect(thrown(() => t.hostBytes())).toBe('E_DISPOSED tensor');
    expect(thrown(() => t.reshape([4]))).toBe('E_DISPOSED tensor');
    await expect(t.toHost()).rejects.toMatchObject({ code: 'E_DISPOSED' });
    expect(thrown(() => (t.storage as HostStorage).bytes)).toBe('E_DISPOSED storage');
    expect(t.storage.byteLength).toBe(0);
    const u = tensorFrom('u8', [1], [1]);
    // Symbol.dispose (what `using` calls) frees the storage too.
    const sym = (Symbol as unknown as { dispose: symbol }).dispose;
    expect(typeof (u as unknown as Record<symbol, unknown>)[sym]).toBe('function');
    (u as unknown as Record<symbol, () => void>)[sym]();
    expect(u.disposed).toBe(true);
  });

  test('HostStorage.read copies a byte range', async () => {
    const s = new HostStorage(new Uint8Array([1, 2, 3, 4]));
    const r = await s.read(1, 2);
    expect([...r]).toEqual([2, 3]);
    r[0] = 99;
    expect(s.bytes[1]).toBe(2);
    expect(HostStorage.alloc(5).byteLength).toBe(5);
  });
});

describe('Tensor errors', () => {
  const t = tensorFrom('f32', [2, 3], iota(6));
  test.each<[string, () => unknown, string]>([
    ['negative dim', () => Tensor.host('f32', [2, -1]), 'E_SHAPE shape'],
    ['fractional dim', () => Tensor.host('f32', [1.5]), 'E_SHAPE shape'],
    ['constructor bad dim', () => new Tensor('f32', [Number.NaN], HostStorage.alloc(4)), 'E_SHAPE shape'],
    ['strides rank', () => new Tensor('f32', [2, 2], HostStorage.alloc(16), [1]), 'E_SHAPE strides'],
    ['view past storage', () => new Tensor('f32', [2, 2], HostStorage.alloc(12)), 'E_SHAPE shape'],
    ['offset past storage', () => new Tensor('u8', [2], HostStorage.alloc(2), [1], 1), 'E_SHAPE shape'],
    ['host buffer too small', () => Tensor.host('i64', [2], new Uint8Array(15)), 'E_SHAPE bytes'],
    ['two -1 in reshape', () => t.reshape([-1, -1]), 'E_SHAPE shape'],
    ['reshape count', () => t.reshape([4, 2]), 'E_SHAPE shape'],
    ['reshape strided', () => t.transpose().reshape([6]), 'E_LAYOUT tensor'],
    ['permute length', () => t.permute([0]), 'E_SHAPE dims'],
    ['permute repeat', () => t.permute([1, 1]), 'E_SHAPE dims'],
    ['permute out of range', () => t.permute([0, 2]), 'E_RANGE dim'],
    ['transpose out of range', () => t.transpose(0, 5), 'E_RANGE dim'],
    ['narrow past end', () => t.narrow(1, 2, 2), 'E_RANGE start/length'],
    ['narrow negative', () => t.narrow(0, -1, 1), 'E_RANGE start/length'],
    ['narrow fractional', () => t.narrow(0, 0.5, 1), 'E_RANGE start/length'],
    ['narrow dim', () => t.narrow(-3, 0, 1), 'E_RANGE dim'],
  ])('%s', (_name, fn, want) => {
    expect(thrown(fn)).toBe(want);
  });
});
