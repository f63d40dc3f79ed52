import { type DType, dtypeBytes, fail, type Tensor } from '@gemmkit/core';
import { type CudaDriver, TENSOR_MAP_BYTES } from '../bindings/driver.js';
import type { DevicePtr } from '../bindings/types.js';
import { KeyScratch, ShapeKeyMap } from './shape-key.js';

/**
 * TMA descriptors (CUtensorMap) through cuTensorMapEncodeTiled. Shapes here are row-major like the rest of
 * gemmkit (outermost first); the driver wants innermost first, so we reverse. Pass the result as a kernel
 * argument (`{ bytes, align: 64 }`) to a `const __grid_constant__ CUtensorMap` parameter.
 */

export type TmaSwizzle = 'none' | '32B' | '64B' | '128B';
export type TmaL2Promotion = 'none' | '64B' | '128B' | '256B';

export interface TensorMapOptions {
  /** A device tensor (address, dtype, shape and strides are taken from it)... */
  tensor?: Tensor;
  /** ...or an explicit address + dtype + shape (+ element strides, default contiguous). */
  ptr?: DevicePtr;
  dtype?: DType;
  shape?: readonly number[];
  /** Element strides, row-major; the innermost must be 1. */
  strides?: readonly number[];
  /** Box (tile) extent per dimension, row-major; innermost box bytes must be a multiple of 16. */
  box: readonly number[];
  /** Traversal strides per dimension (default all 1). */
  elementStrides?: readonly number[];
  swizzle?: TmaSwizzle;
  l2Promotion?: TmaL2Promotion;
  /** 'zero' (default) or 'nan' fill for out-of-bounds elements (nan only for float types). */
  oobFill?: 'zero' | 'nan';
}

/** A 128-byte CUtensorMap ready to pass by value. */
export interface TensorMap {
  readonly bytes: Uint8Array;
  readonly align: 64;
}

/** CUtensorMapDataType for gemmkit dtypes; 1-byte formats travel as UINT8 (TMA only moves bytes). */
export const TMA_DTYPE: Readonly<Partial<Record<DType, number>>> = {
  u8: 0,
  i8: 0,
  e4m3: 0,
  e5m2: 0,
  e2m1x2: 0,
  ue8m0: 0,
  i32: 3,
  i64: 5,
  f16: 6,
  f32: 7,
  bf16: 9,
};
const SWIZZLE: Record<TmaSwizzle, number> = { none: 0, '32B': 1, '64B': 2, '128B': 3 };
const SWIZZLE_BYTES: Record<TmaSwizzle, number> = { none: Infinity, '32B': 32, '64B': 64, '128B': 128 };
const L2: Record<TmaL2Promotion, number> = { none: 0, '64B': 1, '128B': 2, '256B': 3 };

export interface EncodedTensorMapArgs {
  dtype: number;
  rank: number;
  addr: DevicePtr;
  dims: BigUint64Array;
  strides: BigUint64Array;
  box: Uint32Array;
  elemStrides: Uint32Array;
  swizzle: number;
  l2: number;
  oob: number;
}

/** Validate options and build the driver's (innermost-first) arrays; pure, so it is unit-tested on CPU. */
export function tensorMapArgs(
  o: TensorMapOptions,
  addressOf: (t: Tensor) => DevicePtr,
): EncodedTensorMapArgs {
  const arg = 'tensorMap';
  const t = o.tensor;
  const dtype = t ? t.dtype : o.dtype;
  const shape = t ? t.shape : o.shape;
  if (!dtype || !shape) fail('E_UNSUPPORTED', 'tensorMap needs a tensor or ptr+dtype+shape', { arg });
  const code = TMA_DTYPE[dtype];
  if (code === undefined)
    fail('E_DTYPE', 'dtype has no TMA encoding', {
      arg: `${arg}.dtype`,
      expected: Object.keys(TMA_DTYPE),
      actual: dtype,
    });
  const rank = shape.length;
  if (rank < 1 || rank > 5)
    fail('E_SHAPE', 'TMA tensors have rank 1..5', { arg: `${arg}.shape`, expected: '1..5', actual: shape });
  const strides = t
    ? t.strides
    : (o.strides ?? shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1)));
  if (strides.length !== rank || strides[rank - 1] !== 1)
    fail('E_LAYOUT', 'TMA needs a contiguous innermost dimension', {
      arg: `${arg}.strides`,
      expected: 'innermost stride 1',
      actual: strides,
    });
  const eb = dtypeBytes(dtype);
  const addr = t ? addressOf(t) : (o.ptr as DevicePtr);
  if (typeof addr !== 'bigint' || addr % 16n !== 0n)
    fail('E_ALIGN', 'TMA global address must be 16-byte aligned', {
      arg: `${arg}.ptr`,
      expected: 'multiple of 16',
      actual: addr,
    });
  if (!Array.isArray(o.box) || o.box.length !== rank)
    fail('E_SHAPE', 'box rank must equal tensor rank', { arg: `${arg}.box`, expected: rank, actual: o.box });
  o.box.forEach((b) => {
    if (!Number.isInteger(b) || b < 1 || b > 256)
      fail('E_RANGE', 'box extents must be in [1, 256]', {
        arg: `${arg}.box`,
        expected: '[1, 256]',
        actual: o.box,
      });
  });
  const swz = o.swizzle ?? 'none';
  if (!(swz in SWIZZLE))
    fail('E_UNSUPPORTED', 'unknown swizzle', {
      arg: `${arg}.swizzle`,
      expected: Object.keys(SWIZZLE),
      actual: swz,
    });
  const innerBytes = o.box[rank - 1] * eb;
  if (innerBytes % 16 !== 0)
    fail('E_ALIGN', 'innermost box extent must span a multiple of 16 bytes', {
      arg: `${arg}.box`,
      expected: 'multiple of 16 bytes',
      actual: `${innerBytes} bytes`,
    });
  if (innerBytes > SWIZZLE_BYTES[swz])
    fail('E_RANGE', 'innermost box extent exceeds the swizzle span', {
      arg: `${arg}.box`,
      expected: `<= ${SWIZZLE_BYTES[swz]} bytes`,
      actual: `${innerBytes} bytes`,
    });
  const es = o.elementStrides ?? shape.map(() => 1);
  if (es.length !== rank || es.some((x) => !Number.isInteger(x) || x < 1 || x > 8))
    fail('E_RANGE', 'element strides must be in [1, 8]', { arg: `${arg}.elementStrides`, actual: es });
  const l2 = o.l2Promotion ?? '256B';
  if (!(l2 in L2))
    fail('E_UNSUPPORTED', 'unknown L2 promotion', {
      arg: `${arg}.l2Promotion`,
      expected: Object.keys(L2),
      actual: l2,
    });
  const dims = new BigUint64Array(rank);
  const gStrides = new BigUint64Array(Math.max(rank - 1, 1));
  for (let i = 0; i < rank; i++) {
    const d = shape[rank - 1 - i];
    if (!Number.isInteger(d) || d < 1 || d > 2 ** 32)
      fail('E_SHAPE', 'TMA dimensions must be in [1, 2^32]', { arg: `${arg}.shape`, actual: shape });
    dims[i] = BigInt(d);
  }
  for (let i = 1; i < rank; i++) {
    const sb = strides[rank - 1 - i] * eb;
    if (sb % 16 !== 0 || sb <= 0 || sb >= 2 ** 40)
      fail('E_ALIGN', 'TMA outer strides must be positive multiples of 16 bytes', {
        arg: `${arg}.strides`,
        expected: 'multiple of 16 bytes',
        actual: strides,
      });
    gStrides[i - 1] = BigInt(sb);
  }
  return {
    dtype: code,
    rank,
    addr,
    dims,
    strides: gStrides,
    box: Uint32Array.from([...o.box].reverse()),
    elemStrides: Uint32Array.from([...es].reverse()),
    swizzle: SWIZZLE[swz],
    l2: L2[l2],
    oob: o.oobFill === 'nan' ? 1 : 0,
  };
}

export function encodeTensorMap(driver: CudaDriver, a: EncodedTensorMapArgs): TensorMap {
  const bytes = new Uint8Array(TENSOR_MAP_BYTES);
  driver.tensorMapEncodeTiled(
    bytes,
    a.dtype,
    a.rank,
    a.addr,
    a.dims,
    a.strides,
    a.box,
    a.elemStrides,
    0,
    a.swizzle,
    a.l2,
    a.oob,
  );
  return { bytes, align: 64 };
}

/**
 * Encoded tensor maps by everything that goes into them (address, dtype, shape, strides, box, element strides,
 * swizzle, L2 promotion, OOB fill). cuTensorMapEncodeTiled is a pure host function of those, so a hit returns
 * bytes identical to a fresh encode; with the caching allocator handing the same blocks back, a launcher's
 * per-call maps hit every time. The returned maps are shared: treat `bytes` as read-only.
 */
export class TensorMapCache {
  readonly #maps: ShapeKeyMap<TensorMap>;
  readonly #key = new KeyScratch();
  /** The last few requests, compared option by option before any key is built (launchers repeat theirs). */
  readonly #recent: Array<Recent | undefined> = new Array(RECENT).fill(undefined);
  #next = 0;
  /** Encodes done (cache misses), for tests and the launch-overhead bench. */
  encodes = 0;

  constructor(limit = 4096) {
    this.#maps = new ShapeKeyMap(limit);
  }

  get(driver: CudaDriver, o: TensorMapOptions, addressOf: (t: Tensor) => DevicePtr): TensorMap {
    const t = o?.tensor;
    const addr = t ? addressOf(t) : o?.ptr;
    if (typeof addr === 'bigint')
      for (let i = 0; i < RECENT; i++) {
        const r = this.#recent[i];
        if (r !== undefined && sameRequest(r, o, addr)) return r.map;
      }
    const k = o && typeof addr === 'bigint' ? this.#keyOf(o, addr) : null;
    const hit = k ? this.#maps.get(k) : undefined;
    if (hit) {
      this.#remember(o, addr as bigint, hit);
      return hit;
    }
    // A miss (or options too odd to key): validate and encode exactly as without a cache.
    const map = Object.freeze(
      encodeTensorMap(
        driver,
        tensorMapArgs(o, () => addr as DevicePtr),
      ),
    );
    this.encodes++;
    if (k) {
      this.#maps.set(k, map);
      this.#remember(o, addr as bigint, map);
    }
    return map;
  }

  /** Snapshot a request (arrays copied, so later changes to the caller's arrays are misses). */
  #remember(o: TensorMapOptions, addr: bigint, map: TensorMap): void {
    const t = o.tensor;
    this.#recent[this.#next] = {
      addr,
      dtype: t ? t.dtype : o.dtype,
      shape: t ? t.shape : [...(o.shape ?? [])],
      strides: t ? t.strides : o.strides && [...o.strides],
      box: [...o.box],
      es: o.elementStrides && [...o.elementStrides],
      swizzle: o.swizzle,
      l2: o.l2Promotion,
      oob: o.oobFill,
      map,
    };
    this.#next = (this.#next + 1) % RECENT;
  }

  #keyOf(o: TensorMapOptions, addr: bigint): KeyScratch | null {
    const t = o.tensor;
    const shape = t ? t.shape : o.shape;
    const strides = t ? t.strides : o.strides;
    const box = o.box;
    const es = o.elementStrides;
    if (!Array.isArray(shape) || !Array.isArray(box)) return null;
    const k = this.#key
      .reset()
      .big(addr)
      .str(t ? t.dtype : o.dtype);
    k.num(shape.length);
    for (let i = 0; i < shape.length; i++) k.num(shape[i]);
    if (strides === undefined) k.num(-1);
    else if (!Array.isArray(strides)) return null;
    else {
      k.num(strides.length);
      for (let i = 0; i < strides.length; i++) k.num(strides[i]);
    }
    k.num(box.length);
    for (let i = 0; i < box.length; i++) k.num(box[i]);
    if (es === undefined) k.num(-1);
    else if (!Array.isArray(es)) return null;
    else {
      k.num(es.length);
      for (let i = 0; i < es.length; i++) k.num(es[i]);
    }
    return k.str(o.swizzle).str(o.l2Promotion).str(o.oobFill);
  }

  clear(): void {
    this.#maps.clear();
    this.#recent.fill(undefined);
  }
}

const RECENT = 8;

interface Recent {
  readonly addr: bigint;
  readonly dtype: DType | undefined;
  /** A tensor's own (frozen) arrays, or copies of the explicit ones. */
  readonly shape: readonly number[];
  readonly strides: readonly number[] | undefined;
  readonly box: readonly number[];
  readonly es: readonly number[] | undefined;
  readonly swizzle: TmaSwizzle | undefined;
  readonly l2: TmaL2Promotion | undefined;
  readonly oob: 'zero' | 'nan' | undefined;
  readonly map: TensorMap;
}

function sameArray(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameRequest(r: Recent, o: TensorMapOptions, addr: bigint): boolean {
  const t = o.tensor;
  return (
    r.addr === addr &&
    r.swizzle === o.swizzle &&
    r.l2 === o.l2Promotion &&
    r.oob === o.oobFill &&
    sameArray(r.box, o.box) &&
    sameArray(r.es, o.elementStrides) &&
    (t
      ? r.dtype === t.dtype && r.shape === t.shape && r.strides === t.strides
      : r.dtype === o.dtype && sameArray(r.shape, o.shape) && sameArray(r.strides, o.strides))
  );
}
