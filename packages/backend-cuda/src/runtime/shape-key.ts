/**
 * Cheap cache keys for the launch hot path. A key is a short list of numbers written into a reused scratch
 * (strings enter as interned ids, BigInt addresses as exact numbers): looking one up hashes the numbers and
 * compares them with the stored copy, so a cache hit allocates nothing and never builds or hashes a string
 * (JSON.stringify or concatenated keys cost about a microsecond per call).
 */

const ids = new Map<string, number>();

/** A small integer standing for `s` (stable for the life of the process). */
export function intern(s: string): number {
  let id = ids.get(s);
  if (id === undefined) ids.set(s, (id = ids.size + 1));
  return id;
}

const TWO32 = 2 ** 32;
const EXACT = 2n ** 53n;

/** The numbers of one key, filled anew for every lookup. */
export class KeyScratch {
  readonly vals: number[] = [];
  n = 0;

  reset(): this {
    this.n = 0;
    return this;
  }

  num(x: number): this {
    this.vals[this.n++] = x;
    return this;
  }

  str(s: string | undefined): this {
    this.vals[this.n++] = s === undefined ? 0 : intern(s);
    return this;
  }

  /** A BigInt (a device address) exactly: as one number below 2^53, else as a marker and two halves. */
  big(b: bigint): this {
    if (b >= 0n && b < EXACT) this.vals[this.n++] = Number(b);
    else {
      this.vals[this.n++] = -1;
      this.vals[this.n++] = Number(BigInt.asIntN(64, b) >> 32n);
      this.vals[this.n++] = Number(b & 0xffff_ffffn);
    }
    return this;
  }

  /** FNV-style mix of every number's low and high 32 bits (addresses and big strides exceed int32). */
  hash(): number {
    const v = this.vals;
    let h = 0x811c9dc5 ^ this.n;
    for (let i = 0; i < this.n; i++) {
      const x = v[i];
      h = Math.imul(h ^ (x | 0), 0x01000193) ^ ((x / TWO32) | 0);
    }
    return h;
  }
}

interface Entry<V> {
  readonly key: Float64Array;
  readonly value: V;
}

const SLOTS = 1024;

/**
 * Map from scratch keys to values: a fixed table of 1024 chains indexed by the hash (no Map, whose keys would
 * be heap numbers); entries are compared number by number, so collisions cost a comparison, never a wrong hit.
 */
export class ShapeKeyMap<V> {
  readonly #table: Array<Entry<V>[] | undefined> = new Array(SLOTS).fill(undefined);
  readonly #limit: number;
  #size = 0;

  /** `limit`: beyond this many entries the map starts over (keeps caches keyed by addresses bounded). */
  constructor(limit = Number.POSITIVE_INFINITY) {
    this.#limit = limit;
  }

  get size(): number {
    return this.#size;
  }

  get(k: KeyScratch): V | undefined {
    const list = this.#table[k.hash() & (SLOTS - 1)];
    if (list === undefined) return undefined;
    for (let e = 0; e < list.length; e++) {
      const key = list[e].key;
      if (key.length !== k.n) continue;
      let i = 0;
      while (i < k.n && key[i] === k.vals[i]) i++;
      if (i === k.n) return list[e].value;
    }
    return undefined;
  }

  set(k: KeyScratch, value: V): void {
    if (this.#size >= this.#limit) this.clear();
    const h = k.hash() & (SLOTS - 1);
    let list = this.#table[h];
    if (!list) this.#table[h] = list = [];
    list.push({ key: Float64Array.from(k.vals.slice(0, k.n)), value });
    this.#size++;
  }

  *values(): IterableIterator<V> {
    for (const list of this.#table) if (list) for (const e of list) yield e.value;
  }

  clear(): void {
    this.#table.fill(undefined);
    this.#size = 0;
  }
}
