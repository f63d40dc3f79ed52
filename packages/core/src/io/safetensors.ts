/**
 * .safetensors files: 8-byte little-endian header length N, N bytes of JSON
 * `{ "__metadata__": {str: str}, name: { dtype, shape, data_offsets: [begin, end] } }`, then the data;
 * offsets are relative to the data start and must tile it exactly (no gaps, no overlap).
 *
 * dtype names: F32 f32, F16 f16, BF16 bf16, F8_E4M3 e4m3, F8_E5M2 e5m2, F8_E8M0 ue8m0, I8 i8, U8 u8,
 * I32 i32, I64 i64, BOOL → u8 on read, F4 ↔ e2m1x2. F4 shapes are logical FP4 values (last dim even);
 * the gemmkit tensor has the last dim halved (one byte holds two values, low nibble first).
 * Tensors read from memory are zero-copy views over the input (Uint8Array views never need alignment;
 * decodeArray copies once when a multi-byte dtype sits at an unaligned address). The writer pads the
 * header with spaces to a multiple of 8, so data starts 8-byte aligned, as the reference writer does.
 */
import { type DType, dtypeBytes } from '../dtype.js';
import { fail } from '../errors.js';
import { numelOf, type Shape, Tensor } from '../tensor.js';
import { type ByteSource, sourceBytes, writeFileBytes } from './node-fs.js';

const NAME_TO_DTYPE: Readonly<Record<string, DType>> = {
  F32: 'f32',
  F16: 'f16',
  BF16: 'bf16',
  F8_E4M3: 'e4m3',
  F8_E5M2: 'e5m2',
  F8_E8M0: 'ue8m0',
  F4: 'e2m1x2',
  I8: 'i8',
  U8: 'u8',
  BOOL: 'u8',
  I32: 'i32',
  I64: 'i64',
};

const DTYPE_TO_NAME: Readonly<Record<DType, string>> = {
  f32: 'F32',
  f16: 'F16',
  bf16: 'BF16',
  e4m3: 'F8_E4M3',
  e5m2: 'F8_E5M2',
  ue8m0: 'F8_E8M0',
  e2m1x2: 'F4',
  i8: 'I8',
  u8: 'U8',
  i32: 'I32',
  i64: 'I64',
};

/** Safetensors dtype name of a gemmkit dtype. */
export const safetensorsDtypeName = (dtype: DType): string => DTYPE_TO_NAME[dtype];

export interface SafetensorsFile {
  readonly tensors: Record<string, Tensor>;
  readonly metadata: Record<string, string>;
}

/** Refuse absurd headers before JSON.parse (the reference implementation caps at 100 MB). */
const MAX_HEADER = 100_000_000;

/** One tensor of a safetensors header, validated. Offsets are relative to the start of the data section. */
export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: DType;
  /** gemmkit shape (for F4 the last dim counts packed bytes). */
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

/** A validated safetensors header: its tensors and metadata. */
export interface SafetensorsHeader {
  readonly entries: Record<string, SafetensorsEntry>;
  readonly metadata: Record<string, string>;
}

/** Length of the JSON header from the first 8 bytes, checked against the file size. */
export function safetensorsHeaderLength(first8: Uint8Array, fileLength: number): number {
  if (!(first8 instanceof Uint8Array))
    fail('E_UNSUPPORTED', 'expected bytes as a Uint8Array', { arg: 'source', actual: typeof first8 });
  if (first8.byteLength < 8 || fileLength < 8)
    fail('E_SHAPE', 'file too short for a safetensors header', {
      arg: 'source',
      expected: '>= 8 bytes',
      actual: `${Math.min(first8.byteLength, fileLength)} bytes`,
    });
  const n = Number(new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true));
  if (n > MAX_HEADER || 8 + n > fileLength)
    fail('E_SHAPE', 'safetensors header length is out of range', {
      arg: 'source',
      expected: `<= ${Math.min(MAX_HEADER, fileLength - 8)}`,
      actual: n,
    });
  return n;
}

/**
 * Validate the JSON header `json` of a file whose data section holds `dataLength` bytes: known dtypes,
 * shapes that match their byte ranges, ranges inside the data that tile it exactly.
 */
export function parseSafetensorsHeader(json: Uint8Array, dataLength: number): SafetensorsHeader {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (e) {
    fail('E_UNSUPPORTED', 'safetensors header is not valid JSON', { arg: 'source', cause: e });
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    fail('E_UNSUPPORTED', 'safetensors header must be a JSON object', {
      arg: 'source',
      actual: typeof header,
    });
  const metadata: Record<string, string> = {};
  const entries: Record<string, SafetensorsEntry> = {};
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
        fail('E_UNSUPPORTED', '__metadata__ must be an object of strings', {
          arg: '__metadata__',
          actual: entry,
        });
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== 'string')
          fail('E_UNSUPPORTED', 'metadata values must be strings', {
            arg: `__metadata__.${k}`,
            expected: 'string',
            actual: typeof v,
          });
        metadata[k] = v;
      }
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const arg = `tensors.${name}`;
    const dtype = typeof e?.dtype === 'string' ? NAME_TO_DTYPE[e.dtype] : undefined;
    if (!dtype)
      fail('E_DTYPE', 'unsupported safetensors dtype', {
        arg,
        expected: Object.keys(NAME_TO_DTYPE),
        actual: e?.dtype,
      });
    const shape = e.shape;
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0))
      fail('E_SHAPE', 'bad tensor shape', { arg, expected: 'array of integers >= 0', actual: shape });
    const off = e.data_offsets;
    if (
      !Array.isArray(off) ||
      off.length !== 2 ||
      !off.every((x) => Number.isSafeInteger(x) && x >= 0) ||
      off[0] > off[1]
    )
      fail('E_RANGE', 'bad data_offsets', {
        arg,
        expected: '[begin, end] with 0 <= begin <= end',
        actual: off,
      });
    const tshape = storedShape(dtype, shape as number[], arg);
    const need = numelOf(tshape) * dtypeBytes(dtype);
    if (off[1] - off[0] !== need)
      fail('E_SHAPE', 'data_offsets do not match dtype and shape', {
        arg,
        expected: `${need} bytes`,
        actual: `${off[1] - off[0]} bytes`,
      });
    if (off[1] > dataLength)
      fail('E_RANGE', 'tensor data lies past the end of the file', {
        arg,
        expected: `end <= ${dataLength}`,
        actual: off[1],
      });
    entries[name] = { name, dtype, shape: tshape, begin: off[0], end: off[1] };
  }
  // The data section must be tiled exactly, in offset order.
  const spans = Object.values(entries).sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const { begin, end, name } of spans) {
    if (begin !== at)
      fail('E_RANGE', begin < at ? 'tensor data overlaps another tensor' : 'gap in the tensor data', {
        arg: `tensors.${name}`,
        expected: `begin ${at}`,
        actual: begin,
      });
    at = end;
  }
  if (at !== dataLength)
    fail('E_RANGE', 'tensor data does not fill the file', {
      arg: 'source',
      expected: `${at} data bytes`,
      actual: `${dataLength} data bytes`,
    });
  return { entries, metadata };
}

/** Parse a .safetensors file held in memory; tensors are zero-copy views over `bytes`. */
export function parseSafetensors(bytes: Uint8Array): SafetensorsFile {
  const n = safetensorsHeaderLength(bytes, bytes?.byteLength ?? 0);
  const data = bytes.subarray(8 + n);
  const { entries, metadata } = parseSafetensorsHeader(bytes.subarray(8, 8 + n), data.byteLength);
  const tensors: Record<string, Tensor> = {};
  for (const e of Object.values(entries))
    tensors[e.name] = Tensor.host(e.dtype, e.shape, data.subarray(e.begin, e.end));
  return { tensors, metadata };
}

/** F4 entries store logical FP4 shapes; gemmkit e2m1x2 tensors count packed bytes in the last dim. */
function storedShape(dtype: DType, shape: number[], arg: string): number[] {
  if (dtype !== 'e2m1x2') return shape;
  if (shape.length === 0 || shape[shape.length - 1] % 2 !== 0)
    fail('E_SHAPE', 'F4 tensors need an even last dimension (two values per byte)', {
      arg,
      expected: 'even last dim',
      actual: shape,
    });
  return [...shape.slice(0, -1), shape[shape.length - 1] / 2];
}

function fileShape(t: Tensor): Shape {
  if (t.dtype !== 'e2m1x2') return t.shape;
  if (t.rank === 0)
    fail('E_SHAPE', 'an e2m1x2 tensor needs rank >= 1 to be saved as F4', { arg: 'tensor', actual: t.shape });
  return [...t.shape.slice(0, -1), t.shape[t.rank - 1] * 2];
}

/**
 * .safetensors bytes of host tensors (strided views are gathered). Data is laid out by element size
 * (largest first), then name; metadata values must be strings.
 */
export function writeSafetensors(
  tensors: Record<string, Tensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  if (tensors === null || typeof tensors !== 'object')
    fail('E_UNSUPPORTED', 'expected a record of tensors', { arg: 'tensors', actual: typeof tensors });
  const header: Record<string, unknown> = {};
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata ?? {})) {
    if (typeof v !== 'string')
      fail('E_UNSUPPORTED', 'metadata values must be strings', {
        arg: `metadata.${k}`,
        expected: 'string',
        actual: typeof v,
      });
    meta[k] = v;
  }
  if (Object.keys(meta).length) header.__metadata__ = meta;
  // Largest element size first (then by name): every tensor then starts at a multiple of its own
  // element size, so typed-array views over an 8-byte aligned data section are aligned too.
  const elem = (n: string) => (tensors[n] instanceof Tensor ? dtypeBytes(tensors[n].dtype) : 0);
  const names = Object.keys(tensors).sort((a, b) => elem(b) - elem(a) || (a < b ? -1 : a > b ? 1 : 0));
  const blobs: Uint8Array[] = [];
  let at = 0;
  for (const name of names) {
    const t = tensors[name];
    if (name === '__metadata__')
      fail('E_UNSUPPORTED', "'__metadata__' is reserved", { arg: 'tensors', actual: name });
    if (!(t instanceof Tensor))
      fail('E_UNSUPPORTED', 'expected a Tensor', {
        arg: `tensors.${name}`,
        expected: 'Tensor',
        actual: typeof t,
      });
    const bytes = t.hostBytes(); // E_DEVICE for device tensors
    header[name] = {
      dtype: DTYPE_TO_NAME[t.dtype],
      shape: fileShape(t),
      data_offsets: [at, at + bytes.byteLength],
    };
    blobs.push(bytes);
    at += bytes.byteLength;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (json.byteLength % 8)) % 8;
  if (pad) {
    const padded = new Uint8Array(json.byteLength + pad).fill(0x20);
    padded.set(json);
    json = padded;
  }
  const out = new Uint8Array(8 + json.byteLength + at);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  let pos = 8 + json.byteLength;
  for (const b of blobs) {
    out.set(b, pos);
    pos += b.byteLength;
  }
  return out;
}

/** Read a .safetensors file from bytes or a path (Node; read into one aligned buffer). */
export async function readSafetensors(src: ByteSource): Promise<SafetensorsFile> {
  return parseSafetensors(await sourceBytes(src));
}

/** Write host tensors to a .safetensors file (Node). */
export async function saveSafetensors(
  path: string,
  tensors: Record<string, Tensor>,
  metadata: Record<string, string> = {},
): Promise<void> {
  await writeFileBytes(path, writeSafetensors(tensors, metadata));
}
