import type { DType } from '@gemmkit/core';

/** Kernel parameters: a uniform block of u32 words, read with prm(i) / prmf(i) (f32 bit patterns). */
export const WGSL_PARAMS = /* wgsl */ `
@group(0) @binding(0) var<uniform> P: array<vec4<u32>, 16>;
fn prm(i: u32) -> u32 { return P[i >> 2u][i & 3u]; }
fn prmi(i: u32) -> i32 { return bitcast<i32>(prm(i)); }
fn prmf(i: u32) -> f32 { return bitcast<f32>(prm(i)); }
`;

/** A storage binding of a kernel, in @binding order starting at 1. */
export interface BindingDecl {
  name: string;
  /** 'read' for inputs; 'write' for outputs of 32-bit elements; 'atomic' for sub-word outputs and status. */
  access: 'read' | 'write' | 'atomic';
}

/** WGSL declarations for `list` (binding i+1) plus typed accessors per binding. */
export function declareBindings(list: readonly BindingDecl[]): string {
  return list
    .map((b, i) => {
      const bind = `@group(0) @binding(${i + 1})`;
      if (b.access === 'read')
        return `${bind} var<storage, read> ${b.name}: array<u32>;
fn ${b.name}_u8(i: u32) -> u32 { return (${b.name}[i >> 2u] >> ((i & 3u) * 8u)) & 0xffu; }
fn ${b.name}_u16(i: u32) -> u32 { return (${b.name}[i >> 1u] >> ((i & 1u) * 16u)) & 0xffffu; }
fn ${b.name}_u32(i: u32) -> u32 { return ${b.name}[i]; }
fn ${b.name}_len() -> u32 { return arrayLength(&${b.name}); }`;
      if (b.access === 'write') return `${bind} var<storage, read_write> ${b.name}: array<u32>;`;
      return `${bind} var<storage, read_write> ${b.name}: array<atomic<u32>>;
fn ${b.name}_put8(i: u32, v: u32) {
  let sh = (i & 3u) * 8u;
  atomicAnd(&${b.name}[i >> 2u], ~(0xffu << sh));
  atomicOr(&${b.name}[i >> 2u], (v & 0xffu) << sh);
}
fn ${b.name}_put16(i: u32, v: u32) {
  let sh = (i & 1u) * 16u;
  atomicAnd(&${b.name}[i >> 1u], ~(0xffffu << sh));
  atomicOr(&${b.name}[i >> 1u], (v & 0xffffu) << sh);
}
fn ${b.name}_put32(i: u32, v: u32) { atomicStore(&${b.name}[i], v); }`;
    })
    .join('\n');
}

/** Raise the status word (bad index data): the first offender records its site and value. */
export const WGSL_STATUS = /* wgsl */ `
fn raise_status(site: u32, value: u32) {
  atomicAdd(&status[3], 1u);
  if (atomicOr(&status[0], 1u) == 0u) {
    atomicStore(&status[1], site);
    atomicStore(&status[2], value);
  }
}
`;

/**
 * i32 expression reading index element `idx` of binding `buf` (i32 or i64). An i64 outside the i32 range
 * reads as i32 min, which every range check rejects.
 */
export function indexExpr(buf: string, dtype: 'i32' | 'i64' | string, idx: string): string {
  if (dtype === 'i32') return `bitcast<i32>(${buf}[${idx}])`;
  if (dtype === 'i64') return `i64_to_i32(${buf}[2u * (${idx})], ${buf}[2u * (${idx}) + 1u])`;
  throw new Error(`indexExpr: ${dtype} is not an index dtype`);
}

export const WGSL_INDEX = /* wgsl */ `
fn i64_to_i32(lo: u32, hi: u32) -> i32 {
  let l = bitcast<i32>(lo);
  if ((hi == 0u && l >= 0) || (hi == 0xffffffffu && l < 0)) { return l; }
  return i32(-2147483647 - 1);
}
`;

/** f32 expression decoding element `idx` (element index) of binding `buf` holding `dtype`. */
export function loadExpr(buf: string, dtype: DType, idx: string): string {
  switch (dtype) {
    case 'f32':
      return `bitcast<f32>(${buf}[${idx}])`;
    case 'f16':
      return `dec_f16(${buf}_u16(${idx}))`;
    case 'bf16':
      return `dec_bf16(${buf}_u16(${idx}))`;
    case 'e4m3':
      return `dec_e4m3(${buf}_u8(${idx}))`;
    case 'e5m2':
      return `dec_e5m2(${buf}_u8(${idx}))`;
    case 'ue8m0':
      return `dec_ue8m0(${buf}_u8(${idx}))`;
    case 'i8':
      return `f32(bitcast<i32>(${buf}_u8(${idx}) << 24u) >> 24u)`;
    case 'u8':
      return `f32(${buf}_u8(${idx}))`;
    case 'i32':
      return `f32(bitcast<i32>(${buf}[${idx}]))`;
    default:
      throw new Error(`loadExpr: no f32 load for ${dtype}`);
  }
}

/** WGSL statement storing f32 `val` as element `idx` of binding `buf` (declared 'write' or 'atomic'). */
export function storeStmt(buf: string, dtype: DType, idx: string, val: string): string {
  switch (dtype) {
    case 'f32':
      return `${buf}[${idx}] = bitcast<u32>(${val});`;
    case 'f16':
      return `${buf}_put16(${idx}, enc_f16(${val}));`;
    case 'bf16':
      return `${buf}_put16(${idx}, enc_bf16(${val}));`;
    case 'e4m3':
      return `${buf}_put8(${idx}, enc_e4m3(${val}, true));`;
    case 'e5m2':
      return `${buf}_put8(${idx}, enc_e5m2(${val}, true));`;
    default:
      throw new Error(`storeStmt: no f32 store for ${dtype}`);
  }
}

/** Binding access needed to store `dtype` elements. */
export const outAccess = (dtype: DType): 'write' | 'atomic' =>
  dtype === 'f32' || dtype === 'i32' ? 'write' : 'atomic';
