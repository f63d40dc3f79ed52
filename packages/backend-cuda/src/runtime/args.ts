import { fail, type Tensor } from '@gemmkit/core';
import { NativeBuffer } from '../bindings/native.js';
import type { DevicePtr } from '../bindings/types.js';

/**
 * One kernel argument, typed explicitly so the bytes match the CUDA signature:
 * - `bigint` (e.g. a DevicePtr) → 8-byte pointer / u64
 * - a device `Tensor` → address of its first element (storage base + offset)
 * - `{ i32 }`, `{ u32 }`, `{ i64 }`, `{ u64 }`, `{ f32 }`, `{ f64 }`, `{ ptr }` → scalars
 * - `{ bytes, align? }` → a struct passed by value, e.g. a 128-byte CUtensorMap (align 64)
 */
export type KernelArg =
  | bigint
  | Tensor
  | { i32: number }
  | { u32: number }
  | { i64: number | bigint }
  | { u64: number | bigint }
  | { f32: number }
  | { f64: number }
  | { ptr: bigint }
  | { bytes: Uint8Array; align?: number };

/** Resolves a device tensor to its element-0 address (supplied by the runtime). */
export type TensorAddress = (t: Tensor, arg: string) => DevicePtr;

const alignUp = (x: number, a: number) => Math.ceil(x / a) * a;

function checkIntArg(v: unknown, arg: string, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi)
    fail('E_RANGE', 'kernel argument out of range', {
      arg,
      expected: `integer in [${lo}, ${hi}]`,
      actual: v,
    });
  return v;
}

function checkBigArg(v: unknown, arg: string, signed: boolean): bigint {
  const b = typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : v;
  const [lo, hi] = signed ? [-(1n << 63n), (1n << 63n) - 1n] : [0n, (1n << 64n) - 1n];
  if (typeof b !== 'bigint' || b < lo || b > hi)
    fail('E_RANGE', 'kernel argument out of range', {
      arg,
      expected: signed ? 'int64' : 'uint64',
      actual: typeof v === 'bigint' ? `${v}n` : v,
    });
  return b;
}

/**
 * Packs kernel arguments into native memory laid out the way cuLaunchKernel wants `kernelParams`:
 * a `void*[]` whose entries point at each value. One packer is reused per runtime: the driver copies the
 * parameter values during the launch call, so the arena may be overwritten by the next launch.
 */
export class ArgPacker {
  #buf: NativeBuffer | null = null;

  #ensure(size: number): NativeBuffer {
    if (this.#buf && size <= this.#buf.byteLength) return this.#buf;
    this.#buf?.free();
    this.#buf = new NativeBuffer(Math.max(4096, 2 ** Math.ceil(Math.log2(size))), 64);
    return this.#buf;
  }

  /** Address of the packed `void*[]` (0n when there are no arguments). Valid until the next pack(). */
  pack(args: readonly KernelArg[], tensorAddress: TensorAddress, where = 'launch.args'): bigint {
    if (!Array.isArray(args))
      fail('E_UNSUPPORTED', 'kernel arguments must be an array', {
        arg: where,
        expected: 'KernelArg[]',
        actual: typeof args,
      });
    if (args.length === 0) return 0n;
    // First pass: sizes and offsets.
    const table = args.length * 8;
    let off = alignUp(table, 8);
    const slots: Array<{ off: number; write: (v: DataView, b: Uint8Array, o: number) => void }> = [];
    args.forEach((a, i) => {
      const arg = `${where}[${i}]`;
      let size = 8;
      let align = 8;
      let write: (v: DataView, b: Uint8Array, o: number) => void;
      if (typeof a === 'bigint') {
        const p = checkBigArg(a, arg, false);
        write = (v, _b, o) => v.setBigUint64(o, p, true);
      } else if (a !== null && typeof a === 'object' && 'storage' in a && 'dtype' in a) {
        const p = tensorAddress(a as Tensor, arg);
        write = (v, _b, o) => v.setBigUint64(o, p, true);
      } else if (a !== null && typeof a === 'object' && 'i32' in a) {
        const x = checkIntArg(a.i32, arg, -(2 ** 31), 2 ** 31 - 1);
        size = align = 4;
        write = (v, _b, o) => v.setInt32(o, x, true);
      } else if (a !== null && typeof a === 'object' && 'u32' in a) {
        const x = checkIntArg(a.u32, arg, 0, 2 ** 32 - 1);
        size = align = 4;
        write = (v, _b, o) => v.setUint32(o, x, true);
      } else if (a !== null && typeof a === 'object' && 'i64' in a) {
        const x = checkBigArg(a.i64, arg, true);
        write = (v, _b, o) => v.setBigInt64(o, x, true);
      } else if (a !== null && typeof a === 'object' && 'u64' in a) {
        const x = checkBigArg(a.u64, arg, false);
        write = (v, _b, o) => v.setBigUint64(o, x, true);
      } else if (a !== null && typeof a === 'object' && 'ptr' in a) {
        const x = checkBigArg(a.ptr, arg, false);
        write = (v, _b, o) => v.setBigUint64(o, x, true);
      } else if (a !== null && typeof a === 'object' && 'f32' in a) {
        if (typeof a.f32 !== 'number')
          fail('E_RANGE', 'f32 argument must be a number', { arg, actual: a.f32 });
        const x = a.f32;
        size = align = 4;
        write = (v, _b, o) => v.setFloat32(o, x, true);
      } else if (a !== null && typeof a === 'object' && 'f64' in a) {
        if (typeof a.f64 !== 'number')
          fail('E_RANGE', 'f64 argument must be a number', { arg, actual: a.f64 });
        const x = a.f64;
        write = (v, _b, o) => v.setFloat64(o, x, true);
      } else if (a !== null && typeof a === 'object' && 'bytes' in a && a.bytes instanceof Uint8Array) {
        const src = a.bytes;
        align = a.align ?? 8;
        if (!Number.isInteger(align) || align < 1 || align > 64 || (align & (align - 1)) !== 0)
          fail('E_ALIGN', 'by-value argument alignment must be a power of two <= 64', {
            arg,
            actual: a.align,
          });
        size = src.byteLength;
        write = (_v, b, o) => b.set(src, o);
      } else {
        fail('E_UNSUPPORTED', 'unknown kernel argument kind', {
          arg,
          expected: 'bigint | Tensor | {i32|u32|i64|u64|f32|f64|ptr|bytes}',
          actual: a === null ? 'null' : typeof a === 'object' ? Object.keys(a) : typeof a,
        });
      }
      off = alignUp(off, align);
      slots.push({ off, write });
      off += size;
    });
    const buf = this.#ensure(off);
    for (let i = 0; i < slots.length; i++) {
      slots[i].write(buf.view, buf.bytes, slots[i].off);
      buf.view.setBigUint64(i * 8, buf.address + BigInt(slots[i].off), true);
    }
    return buf.address;
  }

  /** Copy of `length` arena bytes at `byteOffset` (tests inspect the packed layout). */
  peek(byteOffset: number, length: number): Uint8Array {
    return this.#buf ? this.#buf.bytes.slice(byteOffset, byteOffset + length) : new Uint8Array(0);
  }

  dispose(): void {
    this.#buf?.free();
    this.#buf = null;
  }
}
