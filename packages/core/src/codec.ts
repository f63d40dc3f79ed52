// PLACEHOLDER — the dtype codec helper replaces this file with exact, table-driven codecs.
import type { DType } from './dtype.js';
import { fail } from './errors.js';

export function decodeArray(dtype: DType, bytes: Uint8Array): Float32Array {
  if (dtype === 'f32') return new Float32Array(bytes.slice().buffer);
  return fail('E_UNSUPPORTED', 'decode not implemented yet', { arg: 'dtype', actual: dtype });
}
