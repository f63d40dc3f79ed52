import { type DType, Tensor } from '@gemmkit/core';

/** A host tensor as plain data, for postMessage and JSON (bytes are base64 in JSON). */
export interface WireTensor {
  dtype: DType;
  shape: number[];
  bytes: Uint8Array;
}

export type WireOutputs = Record<string, WireTensor>;

export function toWire(outputs: Record<string, Tensor>): WireOutputs {
  const o: WireOutputs = {};
  for (const [k, t] of Object.entries(outputs))
    o[k] = { dtype: t.dtype, shape: [...t.shape], bytes: t.hostBytes().slice() };
  return o;
}

export function fromWire(outputs: WireOutputs): Record<string, Tensor> {
  const o: Record<string, Tensor> = {};
  for (const [k, w] of Object.entries(outputs)) o[k] = Tensor.host(w.dtype, w.shape, w.bytes);
  return o;
}

export function base64ToBytes(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
