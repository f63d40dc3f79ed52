import type { Tensor } from '@gemmkit/core';
import { f32Word } from './launch.js';

/**
 * Packs kernel parameters into u32 words and hands back the WGSL expression that reads each one, so a
 * kernel body refers to sizes, offsets and strides symbolically and the WGSL stays size-independent (one
 * pipeline per specialization, not per shape).
 */
export class Params {
  readonly words: number[] = [];

  /** A u32 parameter; returns `prm(i)`. */
  u32(v: number): string {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`param out of u32 range: ${v}`);
    this.words.push(v >>> 0);
    return `prm(${this.words.length - 1}u)`;
  }

  /** An f32 parameter (bit pattern); returns `prmf(i)`. */
  f32(v: number): string {
    this.words.push(f32Word(v));
    return `prmf(${this.words.length - 1}u)`;
  }

  /** Element addressing of a tensor bound as `name`: `at(i0, i1, ...)` is its element index expression. */
  tensor(t: Tensor): TensorRef {
    const off = this.u32(t.offset);
    const strides = t.strides.map((s) => this.u32(s));
    return {
      off,
      strides,
      at: (...idx: string[]) => `(${off}${idx.map((e, i) => ` + (${e}) * ${strides[i]}`).join('')})`,
    };
  }
}

/** Element index of `t` for the row-major linear index `lin` over its shape (any rank, any strides). */
export function linearAt(p: Params, t: Tensor, lin: string): string {
  if (t.rank === 0) return p.u32(t.offset);
  const terms: string[] = [];
  let inner = 1;
  for (let d = t.rank - 1; d >= 0; d--) {
    const div = p.u32(inner);
    const size = p.u32(Math.max(1, t.shape[d]));
    const stride = p.u32(t.strides[d]);
    terms.push(`((${lin}) / ${div} % ${size}) * ${stride}`);
    inner *= Math.max(1, t.shape[d]);
  }
  return `(${p.u32(t.offset)} + ${terms.join(' + ')})`;
}

export interface TensorRef {
  off: string;
  strides: string[];
  at(...idx: string[]): string;
}
