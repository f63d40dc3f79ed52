import { decodeArray } from './codec.js';
import { type DType, dtypeBytes } from './dtype.js';
import { fail } from './errors.js';
import { HostStorage, type Storage } from './storage.js';

export type Shape = readonly number[];

export function numelOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

function checkShape(shape: Shape, arg = 'shape'): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      fail('E_SHAPE', 'dimensions must be non-negative integers', {
        arg,
        expected: 'integers >= 0',
        actual: shape,
      });
  }
}

const disposeSymbol: symbol = (Symbol as any).dispose ?? Symbol.for('Symbol.dispose');

/**
 * A strided view over a Storage. Strides and offset count elements (for `e2m1x2`, bytes of packed pairs).
 * Cheap to create; views share storage. `dispose()` frees the storage for every view of it.
 */
export class Tensor {
  readonly dtype: DType;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
  readonly storage: Storage;

  constructor(dtype: DType, shape: Shape, storage: Storage, strides?: readonly number[], offset = 0) {
    checkShape(shape);
    this.dtype = dtype;
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze(strides ? [...strides] : contiguousStrides(shape));
    if (this.strides.length !== this.shape.length)
      fail('E_SHAPE', 'strides rank must equal shape rank', {
        arg: 'strides',
        expected: shape.length,
        actual: this.strides.length,
      });
    this.offset = offset;
    this.storage = storage;
    const span = this.spanElements();
    if (span > 0 && (offset + span) * dtypeBytes(dtype) > storage.byteLength)
      fail('E_SHAPE', 'view exceeds its storage', {
        arg: 'shape',
        expected: `<= ${storage.byteLength} bytes`,
        actual: `${(offset + span) * dtypeBytes(dtype)} bytes`,
      });
  }

  /** Host tensor over `bytes` (or zero-filled new memory). */
  static host(dtype: DType, shape: Shape, bytes?: Uint8Array): Tensor {
    checkShape(shape);
    const need = numelOf(shape) * dtypeBytes(dtype);
    if (bytes && bytes.byteLength < need)
      fail('E_SHAPE', 'buffer too small for shape', {
        arg: 'bytes',
        expected: `>= ${need} bytes`,
        actual: `${bytes.byteLength} bytes`,
      });
    return new Tensor(dtype, shape, bytes ? new HostStorage(bytes) : HostStorage.alloc(need));
  }

  get device(): string {
    return this.storage.device;
  }

  get rank(): number {
    return this.shape.length;
  }

  get numel(): number {
    return numelOf(this.shape);
  }

  get nbytes(): number {
    return this.numel * dtypeBytes(this.dtype);
  }

  get isContiguous(): boolean {
    let s = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.strides[i] !== s) return false;
      s *= this.shape[i];
    }
    return true;
  }

  get disposed(): boolean {
    return this.storage.disposed;
  }

  /** Number of elements between the first and one past the last addressed element. */
  spanElements(): number {
    if (this.numel === 0) return 0;
    let hi = 0;
    for (let i = 0; i < this.shape.length; i++) hi += (this.shape[i] - 1) * Math.abs(this.strides[i]);
    return hi + 1;
  }

  private assertLive(): void {
    if (this.storage.disposed) fail('E_DISPOSED', 'tensor storage was disposed', { arg: 'tensor' });
  }

  private dim(d: number): number {
    const r = d < 0 ? d + this.rank : d;
    if (r < 0 || r >= this.rank)
      fail('E_RANGE', 'dimension out of range', {
        arg: 'dim',
        expected: `[-${this.rank}, ${this.rank})`,
        actual: d,
      });
    return r;
  }

  /** Same data with another shape (contiguous tensors only); one -1 is inferred. */
  reshape(shape: Shape): Tensor {
    this.assertLive();
    const known = shape.filter((d) => d !== -1);
    const inferred = shape.length - known.length;
    if (inferred > 1) fail('E_SHAPE', 'at most one -1 in reshape', { arg: 'shape', actual: shape });
    const full = inferred
      ? shape.map((d) => (d === -1 ? this.numel / Math.max(1, numelOf(known)) : d))
      : [...shape];
    if (numelOf(full) !== this.numel)
      fail('E_SHAPE', 'reshape must keep the element count', {
        arg: 'shape',
        expected: this.numel,
        actual: full,
      });
    if (!this.isContiguous)
      fail('E_LAYOUT', 'reshape needs a contiguous tensor', {
        arg: 'tensor',
        expected: 'contiguous',
        actual: this.strides,
      });
    return new Tensor(this.dtype, full, this.storage, undefined, this.offset);
  }

  permute(dims: readonly number[]): Tensor {
    if (dims.length !== this.rank || new Set(dims.map((d) => this.dim(d))).size !== this.rank)
      fail('E_SHAPE', 'permute needs each dimension once', {
        arg: 'dims',
        expected: `a permutation of ${this.rank} dims`,
        actual: dims,
      });
    const ds = dims.map((d) => this.dim(d));
    return new Tensor(
      this.dtype,
      ds.map((d) => this.shape[d]),
      this.storage,
      ds.map((d) => this.strides[d]),
      this.offset,
    );
  }

  transpose(a = -2, b = -1): Tensor {
    const dims = this.shape.map((_, i) => i);
    const [x, y] = [this.dim(a), this.dim(b)];
    [dims[x], dims[y]] = [dims[y], dims[x]];
    return this.permute(dims);
  }

  /** View of `length` entries of dimension `dim` starting at `start`. */
  narrow(dim: number, start: number, length: number): Tensor {
    const d = this.dim(dim);
    if (
      !Number.isInteger(start) ||
      !Number.isInteger(length) ||
      start < 0 ||
      length < 0 ||
      start + length > this.shape[d]
    )
      fail('E_RANGE', 'narrow range outside the dimension', {
        arg: 'start/length',
        expected: `within [0, ${this.shape[d]}]`,
        actual: [start, length],
      });
    const shape = [...this.shape];
    shape[d] = length;
    return new Tensor(this.dtype, shape, this.storage, this.strides, this.offset + start * this.strides[d]);
  }

  unsqueeze(dim: number): Tensor {
    const d = dim < 0 ? dim + this.rank + 1 : dim;
    const shape = [...this.shape];
    const strides = [...this.strides];
    shape.splice(d, 0, 1);
    strides.splice(d, 0, d < this.rank ? this.strides[d] * this.shape[d] : 1);
    return new Tensor(this.dtype, shape, this.storage, strides, this.offset);
  }

  /** Bytes of the elements in row-major order (copies when strided). Host tensors only. */
  hostBytes(): Uint8Array {
    this.assertLive();
    if (!(this.storage instanceof HostStorage))
      fail('E_DEVICE', 'hostBytes() needs a host tensor; call await t.toHost() first', {
        arg: 'tensor',
        expected: 'host',
        actual: this.device,
      });
    return gatherBytes(this, this.storage.bytes);
  }

  /** Values decoded to Float32Array (FP4 pairs expand to 2 values). Host tensors only. */
  toFloat32Array(): Float32Array {
    return decodeArray(this.dtype, this.hostBytes());
  }

  /** A contiguous host copy (waits for pending device work). */
  async toHost(): Promise<Tensor> {
    this.assertLive();
    if (this.storage instanceof HostStorage)
      return Tensor.host(this.dtype, this.shape, this.hostBytes().slice());
    const eb = dtypeBytes(this.dtype);
    const raw = await this.storage.read(this.offset * eb, this.spanElements() * eb);
    const rebased = new Tensor(this.dtype, this.shape, new HostStorage(raw), this.strides, 0);
    return Tensor.host(this.dtype, this.shape, rebased.hostBytes());
  }

  dispose(): void {
    if (!this.storage.disposed) this.storage.dispose();
  }

  [disposeSymbol](): void {
    this.dispose();
  }

  toString(): string {
    return `Tensor(${this.dtype}, [${this.shape.join(', ')}], ${this.device})`;
  }
}

/** Row-major bytes of a (possibly strided) view over `bytes`. */
function gatherBytes(t: Tensor, bytes: Uint8Array): Uint8Array {
  const eb = dtypeBytes(t.dtype);
  const n = t.numel;
  if (t.isContiguous) return bytes.subarray(t.offset * eb, (t.offset + n) * eb);
  const out = new Uint8Array(n * eb);
  const rank = t.rank;
  const idx = new Array<number>(rank).fill(0);
  let src = t.offset;
  for (let i = 0; i < n; i++) {
    out.set(bytes.subarray(src * eb, src * eb + eb), i * eb);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      src += t.strides[d];
      if (idx[d] < t.shape[d]) break;
      src -= t.strides[d] * t.shape[d];
      idx[d] = 0;
    }
  }
  return out;
}
