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

/**
 * Little-endian bytes of the struct, ready for a `{ bytes, align: 8 }` kernel argument. `into` (default: a
 * new array) may be a reused buffer when the bytes are consumed at once (the launch copies them).
 *
 * Written out field by field with constant offsets (test/gemm-params.test.ts checks them against
 * GEMM_PARAMS_OFFSETS): a loop over the field-name lists did a keyed property load per field, and was a
 * quarter of a small GEMM's host time on the launch path. int64 fields are written as two 32-bit halves
 * (no BigInt per field).
 */
export function packGemmParams(p: GemmParams, into = new Uint8Array(GEMM_PARAMS_BYTES)): Uint8Array {
  const v = new DataView(into.buffer, into.byteOffset, GEMM_PARAMS_BYTES);
  const i64 = (at: number, x: number) => {
    v.setUint32(at, x >>> 0, true);
    v.setInt32(at + 4, Math.floor(x / 4294967296) | 0, true);
  };
  v.setBigUint64(0, p.a, true);
  v.setBigUint64(8, p.b, true);
  v.setBigUint64(16, p.out, true);
  v.setBigUint64(24, p.sa, true);
  v.setBigUint64(32, p.sb, true);
  v.setBigUint64(40, p.alpha_ptr, true);
  v.setBigUint64(48, p.bias, true);
  v.setBigUint64(56, p.c, true);
  v.setBigUint64(64, p.out_scale, true);
  v.setBigUint64(72, p.index, true);
  v.setBigUint64(80, p.index2, true);
  v.setBigUint64(88, p.signal, true);
  i64(96, p.a_bs);
  i64(104, p.a_rs);
  i64(112, p.a_ks);
  i64(120, p.b_bs);
  i64(128, p.b_rs);
  i64(136, p.b_ks);
  i64(144, p.o_bs);
  i64(152, p.o_rs);
  i64(160, p.o_cs);
  i64(168, p.c_bs);
  i64(176, p.c_rs);
  i64(184, p.sa_bs);
  i64(192, p.sa_ms);
  i64(200, p.sa_ks);
  i64(208, p.sb_bs);
  i64(216, p.sb_ns);
  i64(224, p.sb_ks);
  v.setInt32(232, p.m, true);
  v.setInt32(236, p.n, true);
  v.setInt32(240, p.k, true);
  v.setInt32(244, p.batch, true);
  v.setInt32(248, p.map, true);
  v.setInt32(252, p.out_type, true);
  v.setInt32(256, p.c_type, true);
  v.setInt32(260, p.bias_type, true);
  v.setInt32(264, p.accumulate, true);
  v.setInt32(268, p.sa_gm, true);
  v.setInt32(272, p.sa_gk, true);
  v.setInt32(276, p.sb_gn, true);
  v.setInt32(280, p.sb_gk, true);
  v.setInt32(284, p.sa_enc, true);
  v.setInt32(288, p.sb_enc, true);
  v.setInt32(292, p.sa_swz, true);
  v.setInt32(296, p.sb_swz, true);
  v.setInt32(300, p.sa_kpad, true);
  v.setInt32(304, p.sb_kpad, true);
  v.setInt32(308, p.index_i64, true);
  v.setInt32(312, p.num_groups, true);
  v.setInt32(316, p.align_m, true);
  v.setFloat32(320, p.alpha, true);
  v.setFloat32(324, p.beta, true);
  return into;
}
