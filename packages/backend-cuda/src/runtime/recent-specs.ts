import type { KernelSpec } from './launch.js';

interface Recent<V> {
  readonly file: string | undefined;
  readonly source: string | undefined;
  readonly name: string;
  readonly arch: string;
  readonly options: readonly string[] | undefined;
  /** The defines as they were when stored, in enumeration order. */
  readonly keys: readonly string[];
  readonly vals: readonly unknown[];
  readonly value: V;
}

/**
 * The last few kernel specs seen, compared field by field: launchers ask for the same handful of kernels on
 * every call with fresh spec objects, and comparing a spec with a stored one (string identity, the defines
 * entry by entry) is cheaper than building its key. The defines are snapshotted, so a defines object
 * changed after use is a miss, never a stale hit.
 */
export class RecentSpecs<V> {
  readonly #slots: Array<Recent<V> | undefined>;
  #next = 0;

  constructor(size = 8) {
    this.#slots = new Array(size).fill(undefined);
  }

  get(spec: KernelSpec, arch: string): V | undefined {
    for (let i = 0; i < this.#slots.length; i++) {
      const r = this.#slots[i];
      if (
        r !== undefined &&
        r.name === spec.name &&
        r.file === spec.file &&
        r.source === spec.source &&
        r.arch === arch &&
        sameOptions(r.options, spec.options) &&
        sameDefines(r, spec.defines)
      )
        return r.value;
    }
    return undefined;
  }

  set(spec: KernelSpec, arch: string, value: V): void {
    const keys: string[] = [];
    const vals: unknown[] = [];
    const d = spec.defines;
    if (d)
      for (const k in d) {
        keys.push(k);
        vals.push(d[k]);
      }
    const options = spec.options ? [...spec.options] : undefined;
    this.#slots[this.#next] = {
      file: spec.file,
      source: spec.source,
      name: spec.name,
      arch,
      options,
      keys,
      vals,
      value,
    };
    this.#next = (this.#next + 1) % this.#slots.length;
  }

  clear(): void {
    this.#slots.fill(undefined);
  }
}

function sameOptions(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b || (a ?? b)?.length === 0;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameDefines(r: Recent<unknown>, d: KernelSpec['defines']): boolean {
  let j = 0;
  if (d)
    for (const k in d) {
      if (j >= r.keys.length || r.keys[j] !== k || r.vals[j] !== d[k]) return false;
      j++;
    }
  return j === r.keys.length;
}
