/**
 * Independent cross-check of the encoders: fixtures/codec-crosscheck.safetensors holds ~16k float32 inputs
 * (log-uniform magnitudes, every fp8 midpoint, overflow edges) and the codes ml_dtypes and PyTorch round
 * them to, written by the official safetensors library (fixtures/make-codec-crosscheck.py). Reading it also
 * checks our safetensors reader against that writer.
 */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  type DType,
  decodeBits,
  encodeArray,
  encodeE2m1,
  encodeUe8m0,
  readSafetensors,
  type Tensor,
} from '../src/index.js';

const st = await readSafetensors(join(import.meta.dirname, 'fixtures', 'codec-crosscheck.safetensors'));
const x = st.tensors.x.toFloat32Array();

/** Codes of a U8 tensor: one per byte for [N], little-endian 16-bit for [N, 2]. */
function codes(t: Tensor): Uint8Array | Uint16Array {
  const b = t.hostBytes().slice();
  return t.rank === 1 ? b : new Uint16Array(b.buffer);
}

function mismatches(mine: ArrayLike<number>, theirs: ArrayLike<number>, nanOf?: DType): string[] {
  const out: string[] = [];
  for (let i = 0; i < theirs.length && out.length < 5; i++) {
    if (mine[i] === theirs[i]) continue;
    if (nanOf && Number.isNaN(decodeBits(nanOf, mine[i])) && Number.isNaN(decodeBits(nanOf, theirs[i])))
      continue;
    out.push(`x=${x[i]}: mine ${mine[i].toString(16)}, theirs ${theirs[i].toString(16)}`);
  }
  return out;
}

describe('encoders agree with ml_dtypes / PyTorch on every input', () => {
  test('fixture shape and provenance', () => {
    expect(x.length).toBeGreaterThan(16000);
    expect(Object.keys(st.metadata).sort()).toEqual(['ml_dtypes', 'numpy', 'safetensors', 'torch']);
    for (const k of ['e4m3', 'e5m2', 'bf16', 'f16', 'e2m1', 'e4m3_torch', 'e8m0_torch'])
      expect(codes(st.tensors[k]).length, k).toBe(x.length);
  });

  test.each<[string, DType]>([
    ['e4m3', 'e4m3'],
    ['e5m2', 'e5m2'],
  ])('%s (non-saturating, as ml_dtypes)', (name, dtype) => {
    expect(mismatches(encodeArray(dtype, x), codes(st.tensors[name]), dtype)).toEqual([]);
  });

  test('bf16 and f16 (as ml_dtypes / NumPy)', () => {
    expect(mismatches(new Uint16Array(encodeArray('bf16', x).buffer), codes(st.tensors.bf16))).toEqual([]);
    expect(mismatches(new Uint16Array(encodeArray('f16', x).buffer), codes(st.tensors.f16))).toEqual([]);
  });

  test('e4m3 with saturate equals PyTorch’s (saturating) cast', () => {
    expect(mismatches(encodeArray('e4m3', x, { saturate: true }), codes(st.tensors.e4m3_torch))).toEqual([]);
  });

  test('e2m1 (as ml_dtypes float4_e2m1fn, inputs clamped to ±8)', () => {
    const mine = Array.from(x, (v) => encodeE2m1(Math.min(8, Math.max(-8, v))));
    expect(mismatches(mine, codes(st.tensors.e2m1))).toEqual([]);
  });

  test("ue8m0 round 'nearest' equals PyTorch’s float8_e8m0fnu cast; 'up' is never below it", () => {
    const theirs = codes(st.tensors.e8m0_torch);
    const near = Array.from(x, (v) => encodeUe8m0(Math.abs(v), 'nearest'));
    expect(mismatches(near, theirs)).toEqual([]);
    const up = Array.from(x, (v) => encodeUe8m0(Math.abs(v), 'up'));
    expect(
      up.every((c, i) => c === 0xff || theirs[i] === 0xff || c === theirs[i] || c === theirs[i] + 1),
    ).toBe(true);
    expect(up.some((c, i) => c !== theirs[i])).toBe(true);
  });
});
