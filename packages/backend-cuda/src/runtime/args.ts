import { fail, type Tensor } from '@gemmkit/core';
import { NativeBuffer } from '../bindings/native.js';
import type { DevicePtr, FfiU64 } from '../bindings/types.js';

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

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const TWO32 = 2 ** 32;

/** E_RANGE for an integer argument (slow path: builds the message only when failing). */
function badInt(v: unknown, where: string, i: number, lo: number, hi: number): never {
  return fail('E_RANGE', 'kernel argument out of range', {
    arg: `${where}[${i}]`,
    expected: `integer in [${lo}, ${hi}]`,
    actual: v,
  });
}

function badBig(v: unknown, where: string, i: number, signed: boolean): never {
  return fail('E_RANGE', 'kernel argument out of range', {
    arg: `${where}[${i}]`,
    expected: signed ? 'int64' : 'uint64',
    actual: typeof v === 'bigint' ? `${v}n` : v,
  });
}

/**
 * Packs kernel arguments into native memory laid out the way cuLaunchKernel wants `kernelParams`:
 * a `void*[]` whose entries point at each value. One packer is reused per runtime: the driver copies the
 * parameter values during the launch call, so the arena may be overwritten by the next launch.
 *
 * One pass, no per-argument objects or strings: values are written straight into the arena (grown and
 * copied if a by-value struct does not fit), their offsets kept in a reused array, and the pointer table
 * written last as two u32 halves (no BigInt arithmetic). Argument names are only built for errors.
 */
export class ArgPacker {
  #buf: NativeBuffer | null = null;
  /** The arena's byte length, kept as a plain field for the per-argument capacity checks. */
  #cap = 0;
  #addrLo = 0;
  #addrHi = 0;
  #offs: number[] = [];

  #ensure(size: number, keep: number): NativeBuffer {
    const old = this.#buf;
    if (old && size <= this.#cap) return old;
    const buf = new NativeBuffer(Math.max(4096, 2 ** Math.ceil(Math.log2(size))), 64);
    if (old) {
      buf.bytes.set(old.bytes.subarray(0, keep));
      old.free();
    }
    this.#buf = buf;
    this.#cap = buf.byteLength;
    this.#addrLo = Number(buf.address & 0xffff_ffffn);
    this.#addrHi = Number(buf.address >> 32n);
    return buf;
  }

  /** Address of the packed `void*[]` (0n when there are no arguments). Valid until the next pack(). */
  pack(args: readonly KernelArg[], tensorAddress: TensorAddress, where = 'launch.args'): bigint {
    return this.#pack(args, tensorAddress, where)?.address ?? 0n;
  }

  /** Same as `pack`, the address in the form the launch call passes to koffi (0 when there are no arguments). */
  packFfi(args: readonly KernelArg[], tensorAddress: TensorAddress, where: string): FfiU64 {
    return this.#pack(args, tensorAddress, where)?.ffiAddress ?? 0;
  }

  #pack(args: readonly KernelArg[], tensorAddress: TensorAddress, where: string): NativeBuffer | null {
    if (!Array.isArray(args))
      fail('E_UNSUPPORTED', 'kernel arguments must be an array', {
        arg: where,
        expected: 'KernelArg[]',
        actual: typeof args,
      });
    const n = args.length;
    if (n === 0) return null;
    const offs = this.#offs;
    let off = n * 8;
    let buf = this.#ensure(off + 8 * n, 0);
    let v = buf.view;
    for (let i = 0; i < n; i++) {
      const a = args[i] as unknown;
      // Room for any scalar with its alignment padding (by-value structs check their own size).
      if (off + 16 > this.#cap) {
        buf = this.#ensure(off + 16, off);
        v = buf.view;
      }
      if (typeof a === 'bigint') {
        if (a < 0n || a > U64_MAX) badBig(a, where, i, false);
        v.setBigUint64(off, a, true);
        offs[i] = off;
        off += 8;
        continue;
      }
      if (a === null || typeof a !== 'object') this.#unknown(a, where, i);
      const o = a as Record<string, unknown>;
      if ('storage' in o && 'dtype' in o) {
        let p: bigint;
        try {
          p = tensorAddress(o as unknown as Tensor, where);
        } catch {
          // Same check again, now naming the argument index in the error.
          p = tensorAddress(o as unknown as Tensor, `${where}[${i}]`);
        }
        v.setBigUint64(off, p, true);
        offs[i] = off;
        off += 8;
      } else if ('i32' in o) {
        const x = o.i32;
        if (typeof x !== 'number' || (x | 0) !== x) badInt(x, where, i, -(2 ** 31), 2 ** 31 - 1);
        off = (off + 3) & ~3;
        v.setInt32(off, x as number, true);
        offs[i] = off;
        off += 4;
      } else if ('u32' in o) {
        const x = o.u32;
        if (typeof x !== 'number' || x >>> 0 !== x) badInt(x, where, i, 0, 2 ** 32 - 1);
        off = (off + 3) & ~3;
        v.setUint32(off, x as number, true);
        offs[i] = off;
        off += 4;
      } else if ('i64' in o || 'u64' in o || 'ptr' in o) {
        const signed = 'i64' in o;
        const x = signed ? o.i64 : 'u64' in o ? o.u64 : o.ptr;
        off = (off + 7) & ~7;
        if (typeof x === 'number' && Number.isSafeInteger(x) && (signed || x >= 0)) {
          // Two's complement halves: ToUint32 is x mod 2^32 for any integer, the high word is floor(x / 2^32).
          v.setUint32(off, x >>> 0, true);
          v.setInt32(off + 4, Math.floor(x / TWO32) | 0, true);
        } else {
          const b = typeof x === 'number' && Number.isInteger(x) ? BigInt(x) : x;
          if (typeof b !== 'bigint' || (signed ? b < I64_MIN || b > I64_MAX : b < 0n || b > U64_MAX))
            badBig(x, where, i, signed);
          if (signed) v.setBigInt64(off, b, true);
          else v.setBigUint64(off, b, true);
        }
        offs[i] = off;
        off += 8;
      } else if ('f32' in o) {
        if (typeof o.f32 !== 'number')
          fail('E_RANGE', 'f32 argument must be a number', { arg: `${where}[${i}]`, actual: o.f32 });
        off = (off + 3) & ~3;
        v.setFloat32(off, o.f32, true);
        offs[i] = off;
        off += 4;
      } else if ('f64' in o) {
        if (typeof o.f64 !== 'number')
          fail('E_RANGE', 'f64 argument must be a number', { arg: `${where}[${i}]`, actual: o.f64 });
        off = (off + 7) & ~7;
        v.setFloat64(off, o.f64, true);
        offs[i] = off;
        off += 8;
      } else if ('bytes' in o && o.bytes instanceof Uint8Array) {
        const src = o.bytes;
        const align = (o.align ?? 8) as number;
        if (!Number.isInteger(align) || align < 1 || align > 64 || (align & (align - 1)) !== 0)
          fail('E_ALIGN', 'by-value argument alignment must be a power of two <= 64', {
            arg: `${where}[${i}]`,
            actual: o.align,
          });
        off = (off + align - 1) & ~(align - 1);
        if (off + src.byteLength > this.#cap) {
          buf = this.#ensure(off + src.byteLength + 8 * (n - i), off);
          v = buf.view;
        }
        buf.bytes.set(src, off);
        offs[i] = off;
        off += src.byteLength;
      } else this.#unknown(a, where, i);
    }
    // The table: entry i = arena address + offs[i], written as low / high u32 with the carry.
    const lo0 = this.#addrLo;
    const hi0 = this.#addrHi;
    for (let i = 0; i < n; i++) {
      const lo = lo0 + offs[i];
      const carry = lo >= TWO32 ? 1 : 0;
      v.setUint32(i * 8, lo - carry * TWO32, true);
      v.setUint32(i * 8 + 4, hi0 + carry, true);
    }
    return buf;
  }

  #unknown(a: unknown, where: string, i: number): never {
    return fail('E_UNSUPPORTED', 'unknown kernel argument kind', {
      arg: `${where}[${i}]`,
      expected: 'bigint | Tensor | {i32|u32|i64|u64|f32|f64|ptr|bytes}',
      actual: a === null ? 'null' : typeof a === 'object' ? Object.keys(a as object) : typeof a,
    });
  }

  /** Copy of `length` arena bytes at `byteOffset` (tests inspect the packed layout). */
  peek(byteOffset: number, length: number): Uint8Array {
    return this.#buf ? this.#buf.bytes.slice(byteOffset, byteOffset + length) : new Uint8Array(0);
  }

  dispose(): void {
    this.#buf?.free();
    this.#buf = null;
    this.#cap = 0;
  }
}
