import { GemmkitError } from '@gemmkit/core';
import type { DevicePtr } from '../bindings/types.js';

/** One status flag: its bit and a readable meaning (from kernels/common/status.cuh). */
export interface StatusFlag {
  readonly bit: number;
  readonly name: string;
  readonly doc: string;
}

/**
 * Parse `#define GK_STATUS_<NAME> (1u << N)` lines of kernels/common/status.cuh, taking the `//` comment
 * lines just above each as its meaning. Keeps the header the single source of truth for flag names.
 */
export function parseStatusHeader(text: string): StatusFlag[] {
  const flags: StatusFlag[] = [];
  let comment: string[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    const c = /^\/\/\s?(.*)$/.exec(t);
    if (c) {
      comment.push(c[1]);
      continue;
    }
    const d = /^#define\s+GK_STATUS_(\w+)\s+\(\s*1u?\s*<<\s*(\d+)\s*\)/.exec(t);
    if (d) flags.push({ bit: 1 << Number(d[2]), name: d[1].toLowerCase(), doc: comment.join(' ').trim() });
    comment = [];
  }
  return flags;
}

/** The memory operations the status word needs (supplied by the runtime). */
export interface StatusDeps {
  /** Read device bytes after waiting for the stream. */
  read(ptr: DevicePtr, bytes: number): Uint8Array;
  /** Enqueue a zero fill of `words` u32 words. */
  zero(ptr: DevicePtr, words: number): void;
}

/**
 * The device status word (brief §4): a u32 in device memory that kernels atomically OR flags into when they
 * meet bad index data (they clamp/skip, never access out of bounds). Launchers pass `status.arg(op)` as the
 * kernel's last argument; `check()` (at sync) reads the word, resets it and throws
 * GemmkitError('E_RANGE') naming the flags and the ops that ran since the last check.
 */
export class StatusWord {
  readonly ptr: DevicePtr;
  readonly #deps: StatusDeps;
  readonly #flags = new Map<number, StatusFlag>();
  readonly #ops = new Set<string>();

  constructor(ptr: DevicePtr, deps: StatusDeps, flags: readonly StatusFlag[] = []) {
    this.ptr = ptr;
    this.#deps = deps;
    this.defineFlags(flags);
  }

  defineFlags(flags: readonly StatusFlag[]): void {
    for (const f of flags) this.#flags.set(f.bit, f);
  }

  /** The pointer to pass as a kernel's status argument; records that `op` may raise flags. */
  arg(op: string): DevicePtr {
    this.#ops.add(op);
    return this.ptr;
  }

  /** Names of the set bits of `word`. */
  describe(word: number): StatusFlag[] {
    const out: StatusFlag[] = [];
    for (let i = 0; i < 32; i++) {
      const bit = (1 << i) >>> 0;
      if ((word >>> 0) & bit)
        out.push(
          this.#flags.get(bit | 0) ?? this.#flags.get(bit) ?? { bit, name: `bit ${i}`, doc: 'unknown flag' },
        );
    }
    return out;
  }

  /** Read + reset the word when any status-raising op ran; throws E_RANGE if a flag was set. */
  check(): void {
    if (this.#ops.size === 0) return;
    const ops = [...this.#ops];
    this.#ops.clear();
    const b = this.#deps.read(this.ptr, 4);
    const word = (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
    if (word === 0) return;
    this.#deps.zero(this.ptr, 1);
    const flags = this.describe(word);
    throw new GemmkitError(
      'E_RANGE',
      `device status: bad index data detected by ${ops.join(', ')}: ${flags.map((f) => `${f.name} (${f.doc})`).join('; ')}`,
      {
        arg: ops.length === 1 ? ops[0] : ops.join('|'),
        expected: 'in-range index data',
        actual: flags.map((f) => f.name),
        cause: `status word 0x${word.toString(16)}`,
      },
    );
  }
}
