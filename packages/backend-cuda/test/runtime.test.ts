import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GemmkitError } from '@gemmkit/core';
import { describe, expect, it } from 'vitest';
import type { DevicePtr } from '../src/bindings/types.js';
import { bucketSize, CachingAllocator, type RawAllocator } from '../src/runtime/allocator.js';
import { ArgPacker } from '../src/runtime/args.js';
import { colMajorView } from '../src/runtime/blas.js';
import { archFor, archNumber } from '../src/runtime/device.js';
import { toDim3 } from '../src/runtime/launch.js';
import { kernelsRoot } from '../src/runtime/sources.js';
import { parseStatusHeader, StatusWord } from '../src/runtime/status.js';

/** A fake driver allocator: hands out increasing addresses, can be told to run out of memory. */
function fakeRaw(limit = Number.POSITIVE_INFINITY) {
  let next = 0x10000n;
  let used = 0;
  const live = new Map<bigint, number>();
  const raw: RawAllocator & { live: Map<bigint, number>; calls: number } = {
    live,
    calls: 0,
    memAlloc(bytes: number) {
      raw.calls++;
      if (used + bytes > limit)
        throw new GemmkitError('E_OOM', 'cuMemAlloc failed: CUDA_ERROR_OUT_OF_MEMORY', { arg: 'cuMemAlloc' });
      const p = next;
      next += BigInt(bytes) + 0x1000n;
      used += bytes;
      live.set(p, bytes);
      return p as DevicePtr;
    },
    memFree(p: DevicePtr) {
      used -= live.get(p) ?? 0;
      live.delete(p);
    },
  };
  return raw;
}

describe('caching allocator', () => {
  it('buckets: 512-byte granules below 1 MiB, ≤25% slack and 2 MiB multiples above', () => {
    expect(bucketSize(0)).toBe(512);
    expect(bucketSize(1)).toBe(512);
    expect(bucketSize(513)).toBe(1024);
    expect(bucketSize(1 << 20)).toBe(1 << 20);
    for (const n of [1_100_000, 3 << 20, 5_000_000, 123_456_789, 1 << 30]) {
      const b = bucketSize(n);
      expect(b).toBeGreaterThanOrEqual(n);
      expect(b % (2 << 20)).toBe(0);
      expect(b / n).toBeLessThanOrEqual(1.25 + (2 << 20) / n);
    }
  });

  it('reuses freed blocks of the same bucket without new device allocations', () => {
    const raw = fakeRaw();
    const a = new CachingAllocator(raw, () => {});
    const blocks = [1000, 5000, 3 << 20].map((n) => a.allocate(n));
    expect(raw.calls).toBe(3);
    for (const b of blocks) a.free(b);
    for (let i = 0; i < 10; i++) {
      const again = [1000, 5000, 3 << 20].map((n) => a.allocate(n));
      expect(new Set(again.map((b) => b.ptr))).toEqual(new Set(blocks.map((b) => b.ptr)));
      for (const b of again) a.free(b);
    }
    expect(raw.calls).toBe(3);
    expect(a.stats.hits).toBe(30);
    expect(a.stats.inUseBytes).toBe(0);
    expect(a.stats.cachedBytes).toBe(blocks.reduce((s, b) => s + b.size, 0));
  });

  it('on OOM drains the stream, releases the cache and retries once', () => {
    const raw = fakeRaw(8 << 20);
    let drained = 0;
    const a = new CachingAllocator(raw, () => drained++);
    const big = a.allocate(6 << 20);
    a.free(big);
    const other = a.allocate(4 << 20); // different bucket: needs the cached 6 MiB returned first
    expect(drained).toBe(1);
    expect(raw.live.size).toBe(1);
    expect(a.stats.cachedBytes).toBe(0);
    expect(() => a.allocate(6 << 20)).toThrowError(/E_OOM/);
    a.free(other);
  });

  it('ignores a second free of the same block and releases live blocks at teardown', () => {
    const raw = fakeRaw();
    const a = new CachingAllocator(raw, () => {});
    const x = a.allocate(4096);
    const y = a.allocate(4096);
    a.free(x);
    a.free(x);
    const z1 = a.allocate(4096);
    const z2 = a.allocate(4096);
    expect(z1.ptr).toBe(x.ptr);
    expect(z2.ptr).not.toBe(x.ptr);
    expect(z2.ptr).not.toBe(y.ptr);
    a.releaseAll();
    expect(raw.live.size).toBe(0);
    expect(a.stats.inUseBytes).toBe(0);
    expect(a.stats.cachedBytes).toBe(0);
  });

  it('rejects bad sizes with E_RANGE', () => {
    const a = new CachingAllocator(fakeRaw(), () => {});
    expect(() => a.allocate(-1)).toThrowError(/E_RANGE/);
    expect(() => a.allocate(1.5)).toThrowError(/E_RANGE/);
  });
});

describe('kernel argument packing', () => {
  const noTensor = () => {
    throw new Error('no tensors here');
  };
  it('lays out a void*[] of pointers to naturally aligned values', () => {
    const p = new ArgPacker();
    const tm = new Uint8Array(128).map((_, i) => i);
    const base = p.pack(
      [
        0x1234_5678_9abc_def0n,
        { i32: -5 },
        { f32: 1.5 },
        { u32: 0xffff_fffe },
        { i64: -2n },
        { bytes: tm, align: 64 },
        { f64: 0.25 },
      ],
      noTensor,
    );
    expect(base % 64n).toBe(0n);
    const table = new DataView(p.peek(0, 7 * 8).buffer);
    const offs = Array.from({ length: 7 }, (_, i) => Number(table.getBigUint64(i * 8, true) - base));
    // table = 56 bytes, then u64 @56, i32 @64, f32 @68, u32 @72, i64 @80, 128-byte struct @128 (64-aligned), f64 @256
    expect(offs).toEqual([56, 64, 68, 72, 80, 128, 256]);
    const v = new DataView(p.peek(0, 264).buffer);
    expect(v.getBigUint64(56, true)).toBe(0x1234_5678_9abc_def0n);
    expect(v.getInt32(64, true)).toBe(-5);
    expect(v.getFloat32(68, true)).toBe(1.5);
    expect(v.getUint32(72, true)).toBe(0xffff_fffe);
    expect(v.getBigInt64(80, true)).toBe(-2n);
    expect(p.peek(128, 128)).toEqual(tm);
    expect(v.getFloat64(256, true)).toBe(0.25);
    p.dispose();
  });

  it('grows the arena for large by-value arguments', () => {
    const p = new ArgPacker();
    const big = new Uint8Array(10_000).fill(7);
    const base = p.pack([{ bytes: big }, { i32: 3 }], noTensor);
    const table = new DataView(p.peek(0, 16).buffer);
    const off = Number(table.getBigUint64(8, true) - base);
    expect(off).toBe(16 + 10_000);
    expect(new DataView(p.peek(off, 4).buffer).getInt32(0, true)).toBe(3);
    p.dispose();
  });

  it('rejects out-of-range and unknown arguments naming the index', () => {
    const p = new ArgPacker();
    expect(() => p.pack([{ i32: 2 ** 31 }], noTensor, 'k.args')).toThrowError(/E_RANGE.*k\.args\[0\]/);
    expect(() => p.pack([1n, { u32: -1 }], noTensor, 'k.args')).toThrowError(/E_RANGE.*k\.args\[1\]/);
    expect(() => p.pack([{ i32: 1.5 }], noTensor)).toThrowError(/E_RANGE/);
    expect(() => p.pack([-1n], noTensor)).toThrowError(/E_RANGE/);
    expect(() => p.pack([{ f32: 'x' as unknown as number }], noTensor)).toThrowError(/E_RANGE/);
    expect(() => p.pack([{ foo: 1 } as never], noTensor)).toThrowError(/E_UNSUPPORTED/);
    expect(() => p.pack([{ bytes: new Uint8Array(4), align: 3 }], noTensor)).toThrowError(/E_ALIGN/);
    expect(p.pack([], noTensor)).toBe(0n);
    p.dispose();
  });
});

describe('launch dimensions', () => {
  it('normalizes numbers and short tuples', () => {
    expect(toDim3(7, 'g', [100, 100, 100])).toEqual([7, 1, 1]);
    expect(toDim3([4, 2], 'g', [100, 100, 100])).toEqual([4, 2, 1]);
  });
  it('rejects zero, fractions and overflow with E_RANGE', () => {
    expect(() => toDim3(0, 'launch.grid', [10, 10, 10])).toThrowError(/E_RANGE.*launch\.grid/);
    expect(() => toDim3([1, 2.5], 'g', [10, 10, 10])).toThrowError(/E_RANGE/);
    expect(() => toDim3([1, 1, 11], 'g', [10, 10, 10])).toThrowError(/E_RANGE/);
  });
});

describe('arch caps', () => {
  it('uses the arch-specific targets on 9.0 and 10.0 only', () => {
    expect(archFor(9, 0)).toBe('sm_90a');
    expect(archFor(10, 0)).toBe('sm_100a');
    expect(archFor(8, 9)).toBe('sm_89');
    expect(archFor(8, 0)).toBe('sm_80');
    expect(archFor(12, 0)).toBe('sm_120');
    expect(archNumber('sm_90a')).toBe(90);
    expect(archNumber('sm_100a')).toBe(100);
    expect(archNumber('bogus')).toBeNaN();
  });
});

describe('device status word', () => {
  const header = readFileSync(join(kernelsRoot(), 'common', 'status.cuh'), 'utf8');
  const flags = parseStatusHeader(header);

  it('parses every GK_STATUS_ bit with its comment from status.cuh', () => {
    const defines = [...header.matchAll(/#define GK_STATUS_(\w+)\s+\(1u << (\d+)\)/g)];
    expect(flags.length).toBe(defines.length);
    expect(flags.length).toBeGreaterThan(3);
    for (const [, name, shift] of defines) {
      const f = flags.find((x) => x.name === name.toLowerCase())!;
      expect(f.bit).toBe(1 << Number(shift));
      expect(f.doc.length).toBeGreaterThan(5);
    }
  });

  it('check() throws E_RANGE naming the op and the flags, then resets the word', () => {
    let word = 0;
    const zeroed: number[] = [];
    const sw = new StatusWord(
      0x1000n as DevicePtr,
      {
        read: () => new Uint8Array(new Uint32Array([word]).buffer),
        zero: (_p, n) => {
          zeroed.push(n);
          word = 0;
        },
      },
      flags,
    );
    sw.check(); // no op ran: nothing read
    expect(sw.arg('raggedMMoeGemm8bit')).toBe(0x1000n);
    word = flags[0].bit | flags[1].bit;
    let err: GemmkitError | null = null;
    try {
      sw.check();
    } catch (e) {
      err = e as GemmkitError;
    }
    expect(err).toBeInstanceOf(GemmkitError);
    expect(err!.code).toBe('E_RANGE');
    expect(err!.arg).toBe('raggedMMoeGemm8bit');
    expect(err!.actual).toEqual([flags[0].name, flags[1].name]);
    expect(err!.message).toContain(flags[0].doc);
    expect(zeroed).toEqual([1]);
    sw.arg('raggedMMoeGemm8bit');
    expect(() => sw.check()).not.toThrow();
  });

  it('names unknown bits', () => {
    const sw = new StatusWord(1n as DevicePtr, { read: () => new Uint8Array(4), zero: () => {} });
    expect(sw.describe(1 << 31).map((f) => f.name)).toEqual(['bit 31']);
  });
});

describe('cuBLASLt operand views (row-major → column-major)', () => {
  it('unit column stride is a plain column-major view', () => {
    expect(colMajorView(4, 8, 8, 1)).toEqual({ op: 0, rows: 8, cols: 4, ld: 8 });
  });
  it('unit row stride is a transposed view', () => {
    expect(colMajorView(4, 8, 1, 4)).toEqual({ op: 1, rows: 4, cols: 8, ld: 4 });
  });
  it('fully strided operands are rejected (null)', () => {
    expect(colMajorView(4, 8, 16, 2)).toBeNull();
  });
});
