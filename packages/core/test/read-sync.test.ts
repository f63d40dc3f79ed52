import { describe, expect, it } from 'vitest';
import {
  contracts,
  type HostStorage,
  readBytesSync,
  type Storage,
  Tensor,
  tensorFrom,
} from '../src/index.js';

/** Device-like storage (not a HostStorage); `sync` decides whether it offers readSync. */
function deviceCopy(t: Tensor, sync: boolean): { tensor: Tensor; reads: number[][] } {
  const bytes = (t.storage as HostStorage).bytes.slice();
  const reads: number[][] = [];
  const storage: Storage = {
    device: 'dev',
    byteLength: bytes.byteLength,
    disposed: false,
    read: async (o, n) => bytes.slice(o, o + n),
    ...(sync
      ? {
          readSync: (o: number, n: number) => {
            reads.push([o, n]);
            return bytes.slice(o, o + n);
          },
        }
      : {}),
    dispose() {},
  };
  return { tensor: new Tensor(t.dtype, t.shape, storage, t.strides, t.offset), reads };
}

describe('readBytesSync', () => {
  const base = tensorFrom('i32', [3, 4], [...Array(12).keys()]);
  const view = base.narrow(1, 1, 2).transpose(0, 1); // [2, 3], strides [1, 4], offset 1

  it('host tensors: row-major bytes of the view', () => {
    expect([...new Int32Array(readBytesSync(view)!.slice().buffer)]).toEqual([1, 5, 9, 2, 6, 10]);
  });

  it('device storage with readSync: one read of the addressed span, gathered row-major', () => {
    const { tensor, reads } = deviceCopy(view, true);
    expect([...new Int32Array(readBytesSync(tensor)!.slice().buffer)]).toEqual([1, 5, 9, 2, 6, 10]);
    expect(reads).toEqual([[4, 4 * 10]]);
  });

  it('device storage without readSync (WebGPU-like), or disposed: null', () => {
    expect(readBytesSync(deviceCopy(view, false).tensor)).toBeNull();
    const gone = tensorFrom('i32', [2], [1, 2]);
    gone.dispose();
    expect(readBytesSync(gone)).toBeNull();
  });

  it("a scale on a readSync device is checked by 'full' validation, not by 'fast'", () => {
    const x = tensorFrom('f32', [2, 16], new Array(32).fill(1));
    const { tensor: scale, reads } = deviceCopy(tensorFrom('f32', [1], [-1]), true);
    expect(() => contracts.quantPerTensorFp8.validate({ x, scale }, 'fast')).not.toThrow();
    expect(reads).toEqual([]);
    expect(() => contracts.quantPerTensorFp8.validate({ x, scale }, 'full')).toThrow(/E_RANGE/);
    expect(reads.length).toBe(1);
  });
});
