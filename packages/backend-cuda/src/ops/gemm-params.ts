/**
 * Byte layout of `GkGemmParams` (kernels/common/gemm_params.cuh), passed by value as the first argument of
 * every GEMM kernel. Field order here IS the C order: 12 pointers, 17 int64 strides, 24 four-byte fields,
 * no interior padding. test/compile.test.ts compiles the header on the host and compares every offset.
 */

export const PTR_FIELDS = [
  'a',
  'b',
  'out',
  'sa',
  'sb',
  'alpha_ptr',
  'bias',
  'c',
  'out_scale',
  'index',
  'index2',
  'signal',
] as const;
export const I64_FIELDS = [
  'a_bs',
  'a_rs',
  'a_ks',
  'b_bs',
  'b_rs',
  'b_ks',
  'o_bs',
  'o_rs',
  'o_cs',
  'c_bs',
  'c_rs',
  'sa_bs',
  'sa_ms',
  'sa_ks',
  'sb_bs',
  'sb_ns',
  'sb_ks',
] as const;
export const I32_FIELDS = [
  'm',
  'n',
  'k',
  'batch',
  'map',
  'out_type',
  'c_type',
  'bias_type',
  'accumulate',
  'sa_gm',
  'sa_gk',
  'sb_gn',
  'sb_gk',
  'sa_enc',
  'sb_enc',
  'sa_swz',
  'sb_swz',
  'sa_kpad',
  'sb_kpad',
  'index_i64',
  'num_groups',
  'align_m',
] as const;
export const F32_FIELDS = ['alpha', 'beta'] as const;

export type PtrField = (typeof PTR_FIELDS)[number];
export type I64Field = (typeof I64_FIELDS)[number];
export type I32Field = (typeof I32_FIELDS)[number];
export type F32Field = (typeof F32_FIELDS)[number];

/** Every field of the struct; pointers are device addresses (0n = nullptr). */
export type GemmParams = Record<PtrField, bigint> &
  Record<I64Field, number> &
  Record<I32Field, number> &
  Record<F32Field, number>;

/** Byte offset of each field, in declaration order. */
export const GEMM_PARAMS_OFFSETS: Readonly<Record<string, number>> = (() => {
  const o: Record<string, number> = {};
  let at = 0;
  for (const f of PTR_FIELDS) {
    o[f] = at;
    at += 8;
  }
  for (const f of I64_FIELDS) {
    o[f] = at;
    at += 8;
  }
  for (const f of [...I32_FIELDS, ...F32_FIELDS]) {
    o[f] = at;
    at += 4;
  }
  return o;
})();
export const GEMM_PARAMS_BYTES = 12 * 8 + 17 * 8 + 24 * 4;

/** Defaults: no scales, alpha 1, scale block sizes 1, everything else 0 / nullptr. */
export function defaultGemmParams(): GemmParams {
  const p = {} as Record<string, number | bigint>;
  for (const f of PTR_FIELDS) p[f] = 0n;
  for (const f of I64_FIELDS) p[f] = 0;
  for (const f of I32_FIELDS) p[f] = 0;
  p.alpha = 1;
  p.beta = 1;
  for (const f of ['sa_gm', 'sa_gk', 'sb_gn', 'sb_gk'] as const) p[f] = 1;
  return p as GemmParams;
}

/** Little-endian bytes of the struct, ready for a `{ bytes, align: 8 }` kernel argument. */
export function packGemmParams(p: GemmParams): Uint8Array {
  const bytes = new Uint8Array(GEMM_PARAMS_BYTES);
  const v = new DataView(bytes.buffer);
  for (const f of PTR_FIELDS) v.setBigUint64(GEMM_PARAMS_OFFSETS[f], p[f], true);
  for (const f of I64_FIELDS) v.setBigInt64(GEMM_PARAMS_OFFSETS[f], BigInt(p[f]), true);
  for (const f of I32_FIELDS) v.setInt32(GEMM_PARAMS_OFFSETS[f], p[f], true);
  for (const f of F32_FIELDS) v.setFloat32(GEMM_PARAMS_OFFSETS[f], p[f], true);
  return bytes;
}
