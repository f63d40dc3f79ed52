import { describe, expect, it } from 'vitest';
import {
  F32_FIELDS,
  GEMM_PARAMS_BYTES,
  GEMM_PARAMS_OFFSETS,
  type GemmParams,
  I32_FIELDS,
  I64_FIELDS,
  PTR_FIELDS,
  packGemmParams,
} from '../src/ops/gemm-params.js';

/** Distinct random values per field, so a field written at another field's offset shows. */
function randomParams(seed: number): GemmParams {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
  const p: Record<string, number | bigint> = {};
  for (const f of PTR_FIELDS) p[f] = (BigInt(next()) << 32n) | BigInt(next());
  // int64 strides: negative and beyond 2^32 too.
  for (const f of I64_FIELDS) p[f] = (next() % 2 ? -1 : 1) * (next() * 2 ** 12 + (next() % 4096));
  for (const f of I32_FIELDS) p[f] = next() | 0;
  for (const f of F32_FIELDS) p[f] = Math.fround((next() / 2 ** 32) * 100 - 50);
  return p as unknown as GemmParams;
}

describe('packGemmParams', () => {
  it('writes every field at its GEMM_PARAMS_OFFSETS offset (the offsets test/compile.test.ts checks against C)', () => {
    for (const seed of [1, 2, 3]) {
      const p = randomParams(seed);
      const bytes = packGemmParams(p);
      expect(bytes.byteLength).toBe(GEMM_PARAMS_BYTES);
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (const f of PTR_FIELDS) expect(v.getBigUint64(GEMM_PARAMS_OFFSETS[f], true), f).toBe(p[f]);
      for (const f of I64_FIELDS) expect(Number(v.getBigInt64(GEMM_PARAMS_OFFSETS[f], true)), f).toBe(p[f]);
      for (const f of I32_FIELDS) expect(v.getInt32(GEMM_PARAMS_OFFSETS[f], true), f).toBe(p[f]);
      for (const f of F32_FIELDS) expect(v.getFloat32(GEMM_PARAMS_OFFSETS[f], true), f).toBe(p[f]);
    }
  });

  it('packs into a given buffer at its byte offset and touches nothing around it', () => {
    const p = randomParams(9);
    const big = new Uint8Array(GEMM_PARAMS_BYTES + 16).fill(0xab);
    const into = big.subarray(8, 8 + GEMM_PARAMS_BYTES);
    expect(packGemmParams(p, into)).toBe(into);
    expect([...into]).toEqual([...packGemmParams(p)]);
    expect([...big.subarray(0, 8), ...big.subarray(8 + GEMM_PARAMS_BYTES)]).toEqual(new Array(16).fill(0xab));
  });
});
