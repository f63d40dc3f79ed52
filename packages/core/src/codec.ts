/**
 * Bulk and scalar conversion between numbers and the bytes of every gemmkit dtype.
 * Exact in both directions: decode gives the stored value; encode rounds once, to nearest even, straight
 * from float64 (rules per format in dtypes/minifloat.ts, dtypes/ue8m0.ts and dtypes/ints.ts).
 * Bulk paths use lookup tables (8-bit formats, f16 without a native Float16Array), bit shifts (bf16) or
 * typed-array views, and allocate nothing per element.
 */
import { ALL_DTYPES, type DType, dtypeBytes, isDType } from './dtype.js';
import { assertLittleEndian } from './dtypes/bits.js';
import {
  BF16,
  decodeBf16,
  decodeE2m1,
  decodeE4m3,
  decodeE5m2,
  decodeF16,
  decodeF32,
  E2M1,
  E4M3,
  E5M2,
  encodeBf16,
  encodeE2m1,
  encodeF16,
  encodeF32,
  F16,
} from './dtypes/floats.js';
import { encodeInt } from './dtypes/ints.js';
import { encodeMiniFloat, encodeMiniFloatFromF32Bits, type MiniFloat } from './dtypes/minifloat.js';
import { byteTable, e2m1Table, f16Table } from './dtypes/tables.js';
import { decodeUe8m0, encodeUe8m0, type Ue8m0Round } from './dtypes/ue8m0.js';
import { fail } from './errors.js';

export interface EncodeOptions {
  /**
   * Clamp out-of-range values to ±max instead of the overflow value (inf for f32/f16/bf16/e5m2, NaN for
   * e4m3 and ue8m0, an E_RANGE error for integers). ±inf inputs then map to ±max too. e2m1 always saturates.
   */
  saturate?: boolean;
  /** ue8m0 only: 'up' (default, ceil to a power of two as DeepGEMM's scales) or 'nearest'. */
  round?: Ue8m0Round;
}

const Float16Native: any = (globalThis as any).Float16Array;
/** True when the host has a native Float16Array (Node >= 24 / recent browsers); then f16 uses it. */
export const HAS_NATIVE_FLOAT16 = typeof Float16Native === 'function';

function checkDType(dtype: DType, arg = 'dtype'): void {
  if (!isDType(dtype)) fail('E_DTYPE', 'unknown dtype', { arg, expected: ALL_DTYPES, actual: dtype });
}

function checkBytes(dtype: DType, bytes: Uint8Array): void {
  checkDType(dtype);
  if (!(bytes instanceof Uint8Array))
    fail('E_UNSUPPORTED', 'expected bytes as a Uint8Array', {
      arg: 'bytes',
      expected: 'Uint8Array',
      actual: bytes === null ? 'null' : ((bytes as object)?.constructor?.name ?? typeof bytes),
    });
  const eb = dtypeBytes(dtype);
  if (bytes.byteLength % eb !== 0)
    fail('E_SHAPE', `byte length is not a multiple of the ${dtype} element size`, {
      arg: 'bytes',
      expected: `multiple of ${eb}`,
      actual: bytes.byteLength,
    });
}

/** Number of logical values held by `byteLength` bytes of `dtype` (2 per byte for e2m1x2). */
export function valueCount(dtype: DType, byteLength: number): number {
  checkDType(dtype);
  return dtype === 'e2m1x2' ? byteLength * 2 : byteLength / dtypeBytes(dtype);
}

/** `bytes` viewed through a typed array of `eb`-byte words, copying once if unaligned. */
function aligned(bytes: Uint8Array, eb: number): { buffer: ArrayBufferLike; byteOffset: number } {
  if (bytes.byteOffset % eb === 0) return bytes;
  const copy = bytes.slice();
  return { buffer: copy.buffer, byteOffset: 0 };
}

const f32s = new Float32Array(1);
const u32s = new Uint32Array(f32s.buffer);

function decodeInto(dtype: DType, bytes: Uint8Array, out: Float32Array | Float64Array): void {
  const n = out.length;
  const table = byteTable(dtype);
  if (table) {
    for (let i = 0; i < n; i++) out[i] = table[bytes[i]];
    return;
  }
  if (dtype === 'e2m1x2') {
    const t = e2m1Table();
    for (let i = 0, j = 0; i < bytes.length; i++, j += 2) {
      const b = bytes[i];
      out[j] = t[b & 0xf]; // low nibble = even element
      out[j + 1] = t[b >>> 4];
    }
    return;
  }
  assertLittleEndian();
  switch (dtype) {
    case 'f32': {
      const a = aligned(bytes, 4);
      out.set(new Float32Array(a.buffer, a.byteOffset, n));
      return;
    }
    case 'f16': {
      const a = aligned(bytes, 2);
      if (HAS_NATIVE_FLOAT16) {
        out.set(new Float16Native(a.buffer, a.byteOffset, n));
        return;
      }
      const t = f16Table();
      const u16 = new Uint16Array(a.buffer, a.byteOffset, n);
      for (let i = 0; i < n; i++) out[i] = t[u16[i]];
      return;
    }
    case 'bf16': {
      const a = aligned(bytes, 2);
      const u16 = new Uint16Array(a.buffer, a.byteOffset, n);
      if (out instanceof Float32Array) {
        // bf16 is the top half of a float32: shift the bits straight into the output.
        const o32 = new Uint32Array(out.buffer, out.byteOffset, n);
        for (let i = 0; i < n; i++) o32[i] = u16[i] << 16;
      } else {
        for (let i = 0; i < n; i++) {
          u32s[0] = u16[i] << 16;
          out[i] = f32s[0];
        }
      }
      return;
    }
    case 'i32': {
      const a = aligned(bytes, 4);
      out.set(new Int32Array(a.buffer, a.byteOffset, n));
      return;
    }
  }
  // i64 (the only dtype left): two 32-bit words; hi·2^32 + lo rounds once (exact up to 2^53).
  const a = aligned(bytes, 8);
  const w = new Int32Array(a.buffer, a.byteOffset, 2 * n);
  for (let i = 0; i < n; i++) out[i] = w[2 * i + 1] * 4294967296 + (w[2 * i] >>> 0);
}

/**
 * Values of `bytes` (little-endian, densely packed) as float32. e2m1x2 expands to 2 values per byte
 * (low nibble first). Exact for every float format; i32 beyond 2^24 and i64 round to float32.
 */
export function decodeArray(dtype: DType, bytes: Uint8Array): Float32Array {
  checkBytes(dtype, bytes);
  const out = new Float32Array(valueCount(dtype, bytes.byteLength));
  decodeInto(dtype, bytes, out);
  return out;
}

/** Like decodeArray but float64: exact for every dtype (i64 exact up to 2^53). */
export function decodeToFloat64(dtype: DType, bytes: Uint8Array): Float64Array {
  checkBytes(dtype, bytes);
  const out = new Float64Array(valueCount(dtype, bytes.byteLength));
  decodeInto(dtype, bytes, out);
  return out;
}

function checkValues(values: ArrayLike<number>): void {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number')
    fail('E_UNSUPPORTED', 'expected an array of numbers', {
      arg: 'values',
      expected: 'ArrayLike<number>',
      actual: values === null ? 'null' : typeof values,
    });
}

/**
 * Bytes of `values` in `dtype`, each rounded once to nearest even (see EncodeOptions for overflow).
 * e2m1x2 packs pairs (values.length must be even; value 2i in the low nibble of byte i).
 * Integers are rounded half-to-even; out of range or NaN throws E_RANGE naming the index.
 */
export function encodeArray(dtype: DType, values: ArrayLike<number>, opts: EncodeOptions = {}): Uint8Array {
  checkDType(dtype);
  checkValues(values);
  const n = values.length;
  const sat = opts.saturate === true;
  // Float32Array input: read the bit patterns directly (integer-only rounding, no per-element conversion).
  const bits = values instanceof Float32Array ? new Uint32Array(values.buffer, values.byteOffset, n) : null;
  if (dtype === 'e2m1x2') {
    if (n % 2 !== 0)
      fail('E_SHAPE', 'e2m1x2 packs values in pairs', {
        arg: 'values',
        expected: 'an even number of values',
        actual: n,
      });
    const out = new Uint8Array(n / 2);
    for (let i = 0; i < n; i += 2) {
      const a = values[i];
      const b = values[i + 1];
      if (Number.isNaN(a) || Number.isNaN(b))
        fail('E_RANGE', 'e2m1 has no NaN', {
          arg: `values[${Number.isNaN(a) ? i : i + 1}]`,
          expected: 'a number',
          actual: 'NaN',
        });
      out[i >> 1] = bits
        ? encodeMiniFloatFromF32Bits(E2M1, bits[i], true) |
          (encodeMiniFloatFromF32Bits(E2M1, bits[i + 1], true) << 4)
        : encodeE2m1(a) | (encodeE2m1(b) << 4);
    }
    return out;
  }
  const out = new Uint8Array(n * dtypeBytes(dtype));
  switch (dtype) {
    case 'e4m3':
    case 'e5m2': {
      const f = dtype === 'e4m3' ? E4M3 : E5M2;
      if (bits) for (let i = 0; i < n; i++) out[i] = encodeMiniFloatFromF32Bits(f, bits[i], sat);
      else for (let i = 0; i < n; i++) out[i] = encodeMiniFloat(f, values[i], sat);
      return out;
    }
    case 'ue8m0': {
      const round = opts.round ?? 'up';
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v < 0)
          fail('E_RANGE', 'ue8m0 scales are unsigned', { arg: `values[${i}]`, expected: '>= 0', actual: v });
        out[i] = encodeUe8m0(v, round, sat);
      }
      return out;
    }
    case 'i8':
    case 'u8':
      for (let i = 0; i < n; i++) out[i] = encodeInt(dtype, values[i], sat, i) & 0xff;
      return out;
  }
  assertLittleEndian();
  switch (dtype) {
    case 'f32': {
      const o = new Float32Array(out.buffer, 0, n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        o[i] = v; // the store rounds to nearest even (Math.fround semantics)
        if (sat && (o[i] === Number.POSITIVE_INFINITY || o[i] === Number.NEGATIVE_INFINITY))
          o[i] = o[i] > 0 ? F32_MAX : -F32_MAX;
      }
      return out;
    }
    case 'f16': {
      if (HAS_NATIVE_FLOAT16 && !sat) {
        const o = new Float16Native(out.buffer, 0, n);
        for (let i = 0; i < n; i++) o[i] = values[i];
        return out;
      }
      encode16(F16, values, bits, sat, new Uint16Array(out.buffer, 0, n));
      return out;
    }
    case 'bf16':
      encode16(BF16, values, bits, sat, new Uint16Array(out.buffer, 0, n));
      return out;
    case 'i32': {
      const o = new Int32Array(out.buffer, 0, n);
      for (let i = 0; i < n; i++) o[i] = encodeInt('i32', values[i], sat, i);
      return out;
    }
  }
  // i64 (the only dtype left): low and high 32-bit words.
  const o = new Int32Array(out.buffer, 0, 2 * n);
  for (let i = 0; i < n; i++) {
    const r = encodeInt('i64', values[i], sat, i);
    const hi = Math.floor(r / 4294967296);
    o[2 * i] = r - hi * 4294967296; // low word, stored modulo 2^32
    o[2 * i + 1] = hi;
  }
  return out;
}

const F32_MAX = 3.4028234663852886e38;

function encode16(
  f: MiniFloat,
  values: ArrayLike<number>,
  bits: Uint32Array | null,
  sat: boolean,
  o: Uint16Array,
): void {
  if (bits) for (let i = 0; i < o.length; i++) o[i] = encodeMiniFloatFromF32Bits(f, bits[i], sat);
  else for (let i = 0; i < o.length; i++) o[i] = encodeMiniFloat(f, values[i], sat);
}

/**
 * Bit pattern of one value: f32 → uint32, f16/bf16 → uint16, 8-bit formats → byte, ints → the integer
 * (two's complement for i8 as a byte), e2m1x2 → the 4-bit code of ONE fp4 value. i64 has no number code:
 * use encodeArray.
 */
export function encodeBits(dtype: DType, x: number, opts: EncodeOptions = {}): number {
  checkDType(dtype);
  const sat = opts.saturate === true;
  switch (dtype) {
    case 'f32': {
      const b = encodeF32(x);
      return (sat && (b & 0x7fffffff) === 0x7f800000 ? (b & 0x80000000) | 0x7f7fffff : b) >>> 0;
    }
    case 'f16':
      return encodeF16(x, sat);
    case 'bf16':
      return encodeBf16(x, sat);
    case 'e4m3':
      return encodeMiniFloat(E4M3, x, sat);
    case 'e5m2':
      return encodeMiniFloat(E5M2, x, sat);
    case 'e2m1x2':
      return encodeMiniFloat(E2M1, x, true);
    case 'ue8m0':
      return encodeUe8m0(x, opts.round ?? 'up', sat);
    case 'i8':
      return encodeInt('i8', x, sat) & 0xff;
    case 'u8':
    case 'i32':
      return encodeInt(dtype, x, sat);
  }
  return fail('E_UNSUPPORTED', 'i64 has no number bit pattern; use encodeArray', {
    arg: 'dtype',
    expected: 'a dtype of at most 32 bits',
    actual: dtype,
  });
}

/** Value of one bit pattern (inverse of encodeBits; e2m1x2 decodes one 4-bit code). */
export function decodeBits(dtype: DType, code: number): number {
  checkDType(dtype);
  switch (dtype) {
    case 'f32':
      return decodeF32(code);
    case 'f16':
      return decodeF16(code & 0xffff);
    case 'bf16':
      return decodeBf16(code & 0xffff);
    case 'e4m3':
      return decodeE4m3(code & 0xff);
    case 'e5m2':
      return decodeE5m2(code & 0xff);
    case 'e2m1x2':
      return decodeE2m1(code & 0xf);
    case 'ue8m0':
      return decodeUe8m0(code);
    case 'i8':
      return ((code & 0xff) << 24) >> 24;
    case 'u8':
      return code & 0xff;
    case 'i32':
      return code | 0;
  }
  return fail('E_UNSUPPORTED', 'i64 has no number bit pattern; use decodeToFloat64', {
    arg: 'dtype',
    expected: 'a dtype of at most 32 bits',
    actual: dtype,
  });
}

/** `x` rounded to the nearest value of `dtype` (encode then decode), e.g. a reference's single final rounding. */
export function roundTo(dtype: DType, x: number, opts: EncodeOptions = {}): number {
  if (dtype === 'i64') {
    return encodeInt('i64', x, opts.saturate === true);
  }
  if (dtype === 'f32' && !opts.saturate) return Math.fround(x);
  if (dtype === 'bf16' && !opts.saturate) return bf16BitsToNumber(encodeBf16(x));
  return decodeBits(dtype, encodeBits(dtype, x, opts));
}

function bf16BitsToNumber(bits: number): number {
  u32s[0] = bits << 16;
  return f32s[0];
}

/** Every value of `values` rounded to `dtype`, in place into `out` (a new Float64Array by default). */
export function roundArray(
  dtype: DType,
  values: ArrayLike<number>,
  opts: EncodeOptions = {},
  out?: Float32Array | Float64Array,
): Float32Array | Float64Array {
  checkDType(dtype);
  checkValues(values);
  out ??= new Float64Array(values.length);
  if (out.length < values.length)
    fail('E_SHAPE', 'output array too short', {
      arg: 'out',
      expected: `>= ${values.length}`,
      actual: out.length,
    });
  for (let i = 0; i < values.length; i++) out[i] = roundTo(dtype, values[i], opts);
  return out;
}
