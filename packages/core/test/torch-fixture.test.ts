/**
 * Cross-check against PyTorch: fixtures/torch-fixture.safetensors and its .json sidecar are written by
 * scripts/make-safetensors-fixture.py (torch + safetensors, run on the GPU host). Until that fixture is
 * committed these tests FAIL on purpose (missing file), rather than skip.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  decodeToFloat64,
  dtypeBytes,
  encodeArray,
  readSafetensors,
  type SafetensorsFile,
  safetensorsDtypeName,
  type Tensor,
} from '../src/index.js';

interface Entry {
  dtype: string;
  shape: number[];
  values: Array<number | string>;
  bits?: number[];
  source?: Array<number | string>;
}
interface Sidecar {
  metadata: Record<string, string>;
  tensors: Record<string, Entry>;
}

const base = join(import.meta.dirname, 'fixtures', 'torch-fixture');

async function load(): Promise<{ st: SafetensorsFile; side: Sidecar }> {
  const side = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as Sidecar;
  const st = await readSafetensors(`${base}.safetensors`);
  return { st, side };
}

const num = (v: number | string): number =>
  v === 'nan'
    ? Number.NaN
    : v === 'inf'
      ? Number.POSITIVE_INFINITY
      : v === '-inf'
        ? Number.NEGATIVE_INFINITY
        : (v as number);

/** Unsigned little-endian integers of each element's bytes. */
function bitsOf(t: Tensor): number[] {
  const b = t.hostBytes();
  const eb = dtypeBytes(t.dtype);
  const out: number[] = [];
  for (let i = 0; i < b.length; i += eb) {
    let v = 0;
    for (let j = eb - 1; j >= 0; j--) v = v * 256 + b[i + j];
    out.push(v);
  }
  return out;
}

describe('PyTorch-written safetensors fixture', () => {
  test('has every expected tensor with the right dtype name, shape and metadata', async () => {
    const { st, side } = await load();
    const names = Object.keys(side.tensors);
    for (const required of [
      'bf16',
      'f16',
      'f32',
      'i32',
      'i64',
      'u8',
      'e4m3_all',
      'e5m2_all',
      'cast_e4m3',
      'cast_bf16',
    ])
      expect(names).toContain(required);
    expect(Object.keys(st.tensors).sort()).toEqual([...names].sort());
    for (const [name, e] of Object.entries(side.tensors)) {
      const t = st.tensors[name];
      expect(safetensorsDtypeName(t.dtype), name).toBe(e.dtype);
      expect(t.shape, name).toEqual(e.shape);
    }
    expect(st.metadata).toEqual(side.metadata);
    expect(st.metadata.format).toBe('pt');
  });

  test('raw bit patterns match what torch wrote', async () => {
    const { st, side } = await load();
    for (const [name, e] of Object.entries(side.tensors)) {
      if (!e.bits) continue;
      expect(bitsOf(st.tensors[name]), name).toEqual(e.bits);
    }
  });

  test('decoded values equal torch’s decode (all 256 fp8 codes included), NaN for NaN', async () => {
    const { st, side } = await load();
    for (const [name, e] of Object.entries(side.tensors)) {
      const t = st.tensors[name];
      const got = decodeToFloat64(t.dtype, t.hostBytes());
      expect(got.length, name).toBe(e.values.length);
      e.values.forEach((v, i) => {
        const want = num(v);
        if (Number.isNaN(want)) expect(Number.isNaN(got[i]), `${name}[${i}]`).toBe(true);
        else
          expect(Object.is(got[i], want) || got[i] === want, `${name}[${i}]: ${got[i]} vs ${want}`).toBe(
            true,
          );
      });
    }
  });

  test('encoding torch’s float32 sources gives torch’s rounded bits', async () => {
    const { st, side } = await load();
    let checked = 0;
    for (const [name, e] of Object.entries(side.tensors)) {
      if (!e.source) continue;
      const t = st.tensors[name];
      const mine = encodeArray(t.dtype, e.source.map(num));
      const theirs = t.hostBytes();
      for (let i = 0; i < mine.length; i++)
        expect(mine[i], `${name} byte ${i} (source ${e.source[Math.floor(i / dtypeBytes(t.dtype))]})`).toBe(
          theirs[i],
        );
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });
});
