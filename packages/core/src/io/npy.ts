/**
 * NumPy .npy files (format versions 1.0, 2.0 and 3.0).
 *
 * dtype mapping ('<' little-endian, '|' single byte; '>' big-endian files are byte-swapped on read):
 *   f32 '<f4', f16 '<f2', i32 '<i4', i64 '<i8', u8 '|u1', i8 '|i1'.
 * NumPy has no bf16/fp8/fp4/ue8m0, so (like ml_dtypes arrays saved with np.save) they are written as
 * opaque void types: bf16 → '<V2', e4m3/e5m2/ue8m0/e2m1x2 → '<V1' (what ml_dtypes arrays give). On read
 * 'V2' ('<V2' or '|V2') means bf16 by default; 'V1' needs `{ dtype }` to say which one-byte format it holds (any same-size dtype may override).
 * e2m1x2 shapes count packed bytes, as in gemmkit tensors.
 * Reading gives a C-contiguous tensor: zero-copy over the input for C-order little-endian data,
 * a copy for Fortran order or big-endian data.
 */
import { type DType, dtypeBytes, isDType } from '../dtype.js';
import { fail } from '../errors.js';
import { HostStorage } from '../storage.js';
import { contiguousStrides, numelOf, type Shape, Tensor } from '../tensor.js';
import { type ByteSource, sourceBytes, writeFileBytes } from './node-fs.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DESCR_TO_DTYPE: Readonly<Record<string, DType>> = {
  f4: 'f32',
  f2: 'f16',
  i4: 'i32',
  i8: 'i64',
  u1: 'u8',
  i1: 'i8',
  V2: 'bf16',
};

const DTYPE_TO_DESCR: Readonly<Record<DType, string>> = {
  f32: '<f4',
  f16: '<f2',
  bf16: '<V2',
  i32: '<i4',
  i64: '<i8',
  u8: '|u1',
  i8: '|i1',
  e4m3: '<V1',
  e5m2: '<V1',
  ue8m0: '<V1',
  e2m1x2: '<V1',
};

export interface NpyReadOptions {
  /** Interpret the data as this dtype (must have the file's item size); required for 'V1'. */
  dtype?: DType;
}

interface NpyHeader {
  descr: string;
  fortran: boolean;
  shape: number[];
  dataOffset: number;
}

function parseHeader(bytes: Uint8Array): NpyHeader {
  if (bytes.byteLength < 10 || MAGIC.some((b, i) => bytes[i] !== b))
    fail('E_UNSUPPORTED', 'not a .npy file (bad magic)', {
      arg: 'source',
      expected: '\\x93NUMPY',
      actual: Array.from(bytes.subarray(0, 6)),
    });
  const major = bytes[6];
  if (major < 1 || major > 3)
    fail('E_UNSUPPORTED', 'unsupported .npy format version', {
      arg: 'source',
      expected: [1, 2, 3],
      actual: `${major}.${bytes[7]}`,
    });
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.byteLength < 8 + lenBytes)
    fail('E_SHAPE', 'truncated .npy header', { arg: 'source', actual: `${bytes.byteLength} bytes` });
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = 8 + lenBytes;
  const dataOffset = start + headerLen;
  if (dataOffset > bytes.byteLength)
    fail('E_SHAPE', 'truncated .npy header', {
      arg: 'source',
      expected: `>= ${dataOffset} bytes`,
      actual: `${bytes.byteLength} bytes`,
    });
  // v1/v2 headers are latin1, v3 utf-8; the keys we read are ASCII either way.
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, dataOffset));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    fail('E_UNSUPPORTED', 'unreadable .npy header (structured dtypes are not supported)', {
      arg: 'source',
      expected: "{'descr': '<f4', 'fortran_order': False, 'shape': (...)}",
      actual: text.trim(),
    });
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s.replace(/L$/, '')));
  if (shape.some((d) => !Number.isInteger(d) || d < 0))
    fail('E_SHAPE', 'bad shape in .npy header', { arg: 'source', actual: shapeText });
  return { descr, fortran: fortran === 'True', shape, dataOffset };
}

function resolveDtype(descr: string, opts: NpyReadOptions): { dtype: DType; swap: boolean } {
  const order = descr[0];
  const code = descr.slice(1);
  const size = Number(code.slice(1));
  if (!'<>|='.includes(order) || !Number.isInteger(size) || size <= 0)
    fail('E_DTYPE', 'unsupported .npy dtype', {
      arg: 'descr',
      expected: Object.values(DTYPE_TO_DESCR),
      actual: descr,
    });
  if (opts.dtype !== undefined) {
    if (!isDType(opts.dtype)) fail('E_DTYPE', 'unknown dtype', { arg: 'opts.dtype', actual: opts.dtype });
    if (dtypeBytes(opts.dtype) !== size)
      fail('E_DTYPE', 'override dtype has a different item size than the file', {
        arg: 'opts.dtype',
        expected: `${size}-byte dtype`,
        actual: opts.dtype,
      });
    return { dtype: opts.dtype, swap: order === '>' && size > 1 };
  }
  const dtype = DESCR_TO_DTYPE[code];
  if (!dtype)
    fail(
      'E_DTYPE',
      code === 'V1' ? "'V1' data needs { dtype } (e4m3, e5m2, ue8m0 or e2m1x2)" : 'unsupported .npy dtype',
      {
        arg: 'descr',
        expected: code === 'V1' ? ['e4m3', 'e5m2', 'ue8m0', 'e2m1x2', 'u8'] : Object.values(DTYPE_TO_DESCR),
        actual: descr,
      },
    );
  return { dtype, swap: order === '>' && size > 1 };
}

/** Tensor of a .npy file held in memory (see the module comment for dtypes and layout). */
export function parseNpy(bytes: Uint8Array, opts: NpyReadOptions = {}): Tensor {
  const h = parseHeader(bytes);
  const { dtype, swap } = resolveDtype(h.descr, opts);
  const eb = dtypeBytes(dtype);
  const n = numelOf(h.shape);
  const need = n * eb;
  if (bytes.byteLength - h.dataOffset < need)
    fail('E_SHAPE', '.npy data is shorter than its shape', {
      arg: 'source',
      expected: `${need} data bytes`,
      actual: `${bytes.byteLength - h.dataOffset} bytes`,
    });
  let data = bytes.subarray(h.dataOffset, h.dataOffset + need);
  if (swap) {
    data = data.slice();
    for (let i = 0; i < data.length; i += eb) data.subarray(i, i + eb).reverse();
  }
  if (!h.fortran || h.shape.length < 2) return Tensor.host(dtype, h.shape, data);
  // Fortran order: a view with reversed strides, copied into C order.
  const fStrides = contiguousStrides([...h.shape].reverse()).reverse();
  const view = new Tensor(dtype, h.shape, new HostStorage(data), fStrides, 0);
  return Tensor.host(dtype, h.shape, view.hostBytes());
}

function headerText(descr: string, shape: Shape): string {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  return `{'descr': '${descr}', 'fortran_order': False, 'shape': ${dims}, }`;
}

/** .npy bytes of a host tensor (C order, version 1.0, or 2.0 when the header needs it; data 64-byte aligned). */
export function writeNpy(t: Tensor): Uint8Array {
  if (!(t instanceof Tensor))
    fail('E_UNSUPPORTED', 'expected a Tensor', { arg: 'tensor', expected: 'Tensor', actual: typeof t });
  const data = t.hostBytes(); // E_DEVICE for device tensors, E_DISPOSED
  const dict = headerText(DTYPE_TO_DESCR[t.dtype], t.shape);
  const v1 = dict.length + 1 + 10 < 65536;
  const pre = v1 ? 10 : 12;
  const total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  const header = dict + ' '.repeat(total - pre - dict.length - 1) + '\n';
  const out = new Uint8Array(total + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = v1 ? 1 : 2;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (v1) dv.setUint16(8, header.length, true);
  else dv.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[pre + i] = header.charCodeAt(i);
  out.set(data, total);
  return out;
}

/** Read a .npy file from bytes or a path (Node). */
export async function readNpy(src: ByteSource, opts: NpyReadOptions = {}): Promise<Tensor> {
  return parseNpy(await sourceBytes(src), opts);
}

/** Write a host tensor to a .npy file (Node). */
export async function saveNpy(path: string, t: Tensor): Promise<void> {
  await writeFileBytes(path, writeNpy(t));
}
