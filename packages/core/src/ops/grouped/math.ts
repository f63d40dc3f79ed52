/** Integer helpers shared by the grouped ops (all arguments are non-negative integers). */
export const cdiv = (a: number, b: number): number => (b <= 0 ? 0 : Math.ceil(a / b));
export const roundUp = (a: number, b: number): number => cdiv(a, b) * b;
export const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
