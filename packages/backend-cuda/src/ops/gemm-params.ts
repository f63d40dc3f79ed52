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

/**
 * Defaults: no scales, alpha 1, scale block sizes 1, everything else 0 / nullptr. Written out as one literal
 * (launchers call this per launch): V8 clones it as a fast object, where 53 keyed stores made a dictionary.
 */
export function defaultGemmParams(): GemmParams {
  return {
    a: 0n,
    b: 0n,
    out: 0n,
    sa: 0n,
    sb: 0n,
    alpha_ptr: 0n,
    bias: 0n,
    c: 0n,
    out_scale: 0n,
    index: 0n,
    index2: 0n,
    signal: 0n,
    a_bs: 0,
    a_rs: 0,
    a_ks: 0,
    b_bs: 0,
    b_rs: 0,
    b_ks: 0,
    o_bs: 0,
    o_rs: 0,
    o_cs: 0,
    c_bs: 0,
    c_rs: 0,
    sa_bs: 0,
    sa_ms: 0,
    sa_ks: 0,
    sb_bs: 0,
    sb_ns: 0,
    sb_ks: 0,
    m: 0,
    n: 0,
    k: 0,
    batch: 0,
    map: 0,
    out_type: 0,
    c_type: 0,
    bias_type: 0,
    accumulate: 0,
    sa_gm: 1,
    sa_gk: 1,
    sb_gn: 1,
    sb_gk: 1,
    sa_enc: 0,
    sb_enc: 0,
    sa_swz: 0,
    sb_swz: 0,
    sa_kpad: 0,
    sb_kpad: 0,
    index_i64: 0,
    num_groups: 0,
    align_m: 0,
    alpha: 1,
    beta: 1,
  };
}

/** Little-endian bytes of the struct, ready for a `{ bytes, align: 8 }` kernel argument. */
const OFF_PTR = PTR_FIELDS.map((f) => GEMM_PARAMS_OFFSETS[f]);
const OFF_I64 = I64_FIELDS.map((f) => GEMM_PARAMS_OFFSETS[f]);
const OFF_I32 = I32_FIELDS.map((f) => GEMM_PARAMS_OFFSETS[f]);
const OFF_F32 = F32_FIELDS.map((f) => GEMM_PARAMS_OFFSETS[f]);

/**
 * Little-endian bytes of the struct, ready for a `{ bytes, align: 8 }` kernel argument. `into` (default: a
 * new array) may be a reused buffer when the bytes are consumed at once (the launch copies them). int64
 * fields are written as two 32-bit halves (no BigInt per field).
 */
export function packGemmParams(p: GemmParams, into = new Uint8Array(GEMM_PARAMS_BYTES)): Uint8Array {
  const v = new DataView(into.buffer, into.byteOffset, GEMM_PARAMS_BYTES);
  for (let i = 0; i < OFF_PTR.length; i++) v.setBigUint64(OFF_PTR[i], p[PTR_FIELDS[i]], true);
  for (let i = 0; i < OFF_I64.length; i++) {
    const x = p[I64_FIELDS[i]];
    v.setUint32(OFF_I64[i], x >>> 0, true);
    v.setInt32(OFF_I64[i] + 4, Math.floor(x / 2 ** 32) | 0, true);
  }
  for (let i = 0; i < OFF_I32.length; i++) v.setInt32(OFF_I32[i], p[I32_FIELDS[i]], true);
  for (let i = 0; i < OFF_F32.length; i++) v.setFloat32(OFF_F32[i], p[F32_FIELDS[i]], true);
  return into;
}
