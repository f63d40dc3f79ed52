/**
 * Seeded random data and filled tensors for tests and benchmarks.
 * PRNG: xoshiro128** (Blackman & Vigna), seeded through a 32-bit splitmix-style mixer so that nearby seeds
 * give unrelated streams. Uniform doubles use 53 random bits; normals use Box–Muller. Sequences are
 * identical for a given seed on every run of the same JS engine (Math.log/cos may differ in the last bit
 * between engines, so normal draws are only guaranteed bit-identical within one engine family).
 */
import { type EncodeOptions, encodeArray } from './codec.js';
import { DTYPES, type DType, dtypeBytes, isDType } from './dtype.js';
import { INT_RANGE, type IntDType } from './dtypes/ints.js';
import { fail } from './errors.js';
import { HostStorage } from './storage.js';
import { numelOf, type Shape, Tensor } from './tensor.js';

export class Random {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;
  #spare = Number.NaN;

  constructor(seed = 0) {
    if (typeof seed !== 'number' || !Number.isSafeInteger(seed))
      fail('E_RANGE', 'seed must be a safe integer', { arg: 'seed', expected: 'safe integer', actual: seed });
    // Mix both 32-bit halves of the seed into the 128-bit state.
    let z = (seed >>> 0) ^ Math.imul(Math.floor(seed / 4294967296) | 0, 0x27d4eb2f);
    const mix = () => {
      z = (z + 0x9e3779b9) | 0;
      let x = z;
      x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
      x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
      return (x ^ (x >>> 16)) >>> 0;
    };
    this.#s0 = mix();
    this.#s1 = mix();
    this.#s2 = mix();
    this.#s3 = mix();
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1; // all-zero state is a fixed point
  }

  /** A generator with an explicit 128-bit state (four uint32 words, not all zero), e.g. to check test vectors. */
  static fromState(s0: number, s1: number, s2: number, s3: number): Random {
    const words = [s0, s1, s2, s3];
    if (words.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff) || words.every((w) => w === 0))
      fail('E_RANGE', 'state must be four uint32 words, not all zero', {
        arg: 'state',
        expected: 'uint32 x4, not all 0',
        actual: words,
      });
    const r = new Random(0);
    r.#s0 = s0 | 0;
    r.#s1 = s1 | 0;
    r.#s2 = s2 | 0;
    r.#s3 = s3 | 0;
    return r;
  }

  /** Next uniform 32-bit unsigned integer. */
  nextU32(): number {
    const s1 = this.#s1;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return r;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [lo, hi) (hi - lo ≤ 2^53); rejection sampling keeps it unbiased. */
  int(lo: number, hi: number): number {
    const span = hi - lo;
    if (!(span >= 1) || !Number.isSafeInteger(span))
      fail('E_RANGE', 'empty or too large integer range', {
        arg: 'low/high',
        expected: 'low < high, span ≤ 2^53',
        actual: [lo, hi],
      });
    if (span <= 4294967296) {
      const limit = 4294967296 - (4294967296 % span);
      let r = this.nextU32();
      while (r >= limit) r = this.nextU32();
      return lo + (r % span);
    }
    return lo + Math.floor(this.uniform() * span);
  }

  /** Standard normal draw (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (!Number.isNaN(this.#spare)) {
      const v = this.#spare;
      this.#spare = Number.NaN;
      return v;
    }
    const u = 1 - this.uniform(); // (0, 1]: log stays finite
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  fillUniform<T extends Float32Array | Float64Array>(out: T, low = 0, high = 1): T {
    for (let i = 0; i < out.length; i++) out[i] = low + (high - low) * this.uniform();
    return out;
  }

  fillNormal<T extends Float32Array | Float64Array>(out: T, mean = 0, std = 1): T {
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.normal();
    return out;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export interface RandomTensorOptions extends EncodeOptions {
  seed?: number;
  /** 'normal' (default) draws mean + std·N(0,1); 'uniform' draws from [low, high). */
  dist?: 'normal' | 'uniform';
  mean?: number;
  std?: number;
  /** Uniform bounds. For integer dtypes: integers in [low, high) (defaults: the dtype's range, capped to ±2^31). */
  low?: number;
  high?: number;
}

function checkCreate(dtype: DType, shape: Shape): number {
  if (!isDType(dtype))
    fail('E_DTYPE', 'unknown dtype', { arg: 'dtype', expected: Object.keys(DTYPES), actual: dtype });
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0))
    fail('E_SHAPE', 'dimensions must be non-negative integers', {
      arg: 'shape',
      expected: 'integers >= 0',
      actual: shape,
    });
  return numelOf(shape);
}

/**
 * Host tensor of seeded random values in any dtype. Values are drawn in float64 and encoded once
 * (floats round to nearest even and saturate by default, so a normal tail never becomes inf/NaN; pass
 * `saturate: false` to keep the overflow rule). For e2m1x2 `shape` counts packed bytes and 2·numel values
 * are drawn. Integer dtypes draw integers (normal draws are rounded half-to-even and clamped).
 */
export function randomTensor(dtype: DType, shape: Shape, opts: RandomTensorOptions = {}): Tensor {
  const numel = checkCreate(dtype, shape);
  const dist = opts.dist ?? 'normal';
  if (dist !== 'normal' && dist !== 'uniform')
    fail('E_UNSUPPORTED', 'unknown distribution', {
      arg: 'dist',
      expected: ['normal', 'uniform'],
      actual: dist,
    });
  const rng = new Random(opts.seed ?? 0);
  const n = dtype === 'e2m1x2' ? 2 * numel : numel;
  const v = new Float64Array(n);
  const info = DTYPES[dtype];
  if (info.kind === 'int' && dist === 'uniform') {
    const [lo, hi] = INT_RANGE[dtype as IntDType];
    const low = opts.low ?? Math.max(lo, -(2 ** 31));
    const high = opts.high ?? Math.min(hi, 2 ** 31 - 1) + 1;
    if (!Number.isInteger(low) || !Number.isInteger(high) || low < lo || high - 1 > hi || high <= low)
      fail('E_RANGE', `integer bounds outside ${dtype}`, {
        arg: 'low/high',
        expected: `integers with ${lo} <= low < high <= ${hi} + 1`,
        actual: [low, high],
      });
    for (let i = 0; i < n; i++) v[i] = rng.int(low, high);
  } else if (dist === 'uniform') {
    const low = opts.low ?? (dtype === 'ue8m0' ? 0.5 : -1);
    const high = opts.high ?? (dtype === 'ue8m0' ? 2 : 1);
    if (!(Number.isFinite(low) && Number.isFinite(high) && low < high))
      fail('E_RANGE', 'uniform bounds must be finite with low < high', {
        arg: 'low/high',
        expected: 'low < high',
        actual: [low, high],
      });
    rng.fillUniform(v, low, high);
  } else {
    const mean = opts.mean ?? 0;
    const std = opts.std ?? 1;
    if (!Number.isFinite(mean) || !Number.isFinite(std) || std < 0)
      fail('E_RANGE', 'normal needs a finite mean and std >= 0', {
        arg: 'mean/std',
        expected: 'finite, std >= 0',
        actual: [mean, std],
      });
    rng.fillNormal(v, mean, std);
    // ue8m0 scales are positive: draw their log2 from the normal instead.
    if (dtype === 'ue8m0') for (let i = 0; i < n; i++) v[i] = 2 ** Math.round(v[i]);
  }
  const saturate = opts.saturate ?? true;
  return Tensor.host(dtype, shape, encodeArray(dtype, v, { saturate, round: opts.round }));
}

/** Standard-normal host tensor. */
export const randn = (dtype: DType, shape: Shape, seed = 0): Tensor =>
  randomTensor(dtype, shape, { seed, dist: 'normal' });

/** Uniform [-1, 1) host tensor (integers: the dtype's range). */
export const rand = (dtype: DType, shape: Shape, seed = 0): Tensor =>
  randomTensor(dtype, shape, { seed, dist: 'uniform' });

/** Host tensor from logical values (2·numel values for e2m1x2), encoded once with `opts`. */
export function tensorFrom(
  dtype: DType,
  shape: Shape,
  values: ArrayLike<number>,
  opts: EncodeOptions = {},
): Tensor {
  const numel = checkCreate(dtype, shape);
  const want = dtype === 'e2m1x2' ? 2 * numel : numel;
  if (!values || values.length !== want)
    fail('E_SHAPE', 'number of values does not match the shape', {
      arg: 'values',
      expected: want,
      actual: values?.length,
    });
  return Tensor.host(dtype, shape, encodeArray(dtype, values, opts));
}

/** Host tensor with every value equal to `value` (both nibbles for e2m1x2). */
export function fullTensor(dtype: DType, shape: Shape, value: number, opts: EncodeOptions = {}): Tensor {
  const numel = checkCreate(dtype, shape);
  const pattern = encodeArray(dtype, dtype === 'e2m1x2' ? [value, value] : [value], opts);
  return Tensor.host(dtype, shape, repeat(pattern, numel));
}

/**
 * Bytes of one poison element: NaN for float dtypes that have it (canonical quiet NaN; ue8m0 0xff),
 * otherwise a sentinel that real data rarely holds: the minimum of signed ints, 0xff for u8, and
 * 0xff (−6, −6) for e2m1x2, which has no NaN.
 */
export function poisonBytes(dtype: DType): Uint8Array {
  switch (dtype) {
    case 'f32':
      return encodeArray('f32', [Number.NaN]);
    case 'f16':
    case 'bf16':
    case 'e4m3':
    case 'e5m2':
    case 'ue8m0':
      return encodeArray(dtype, [Number.NaN]);
    case 'e2m1x2':
    case 'u8':
      return new Uint8Array([0xff]);
    case 'i8':
    case 'i32':
    case 'i64':
      return encodeArray(dtype, [INT_RANGE[dtype][0]]);
  }
  return fail('E_DTYPE', 'unknown dtype', { arg: 'dtype', expected: Object.keys(DTYPES), actual: dtype });
}

/** Host tensor filled with the poison pattern of `dtype` (see poisonBytes). */
export function nanTensor(dtype: DType, shape: Shape): Tensor {
  const numel = checkCreate(dtype, shape);
  return Tensor.host(dtype, shape, repeat(poisonBytes(dtype), numel));
}

/** Overwrite every element addressed by host view `t` with the poison pattern (for `out` arguments). */
export function poisonFill(t: Tensor): Tensor {
  if (!(t.storage instanceof HostStorage))
    fail('E_DEVICE', 'poisonFill needs a host tensor', { arg: 'tensor', expected: 'host', actual: t.device });
  const bytes = t.storage.bytes; // throws E_DISPOSED
  const p = poisonBytes(t.dtype);
  const eb = dtypeBytes(t.dtype);
  forEachOffset(t, (off) => bytes.set(p, off * eb));
  return t;
}

/** Element offsets (in elements) of a strided view, row-major order. */
export function forEachOffset(t: Tensor, fn: (offset: number, index: number) => void): void {
  const n = t.numel;
  const rank = t.rank;
  const idx = new Array<number>(rank).fill(0);
  let off = t.offset;
  for (let i = 0; i < n; i++) {
    fn(off, i);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      off += t.strides[d];
      if (idx[d] < t.shape[d]) break;
      off -= t.strides[d] * t.shape[d];
      idx[d] = 0;
    }
  }
}

function repeat(pattern: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(pattern.length * count);
  if (count === 0) return out;
  out.set(pattern, 0);
  // Doubling copy: log2(count) calls to copyWithin.
  for (let filled = pattern.length; filled < out.length; filled *= 2)
    out.copyWithin(filled, 0, Math.min(filled, out.length - filled));
  return out;
}
