import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor } from '@gemmkit/core';
import { describe, expect, it } from 'vitest';
import { findNvcc, KERNELS_DIR } from '../scripts/compile-tier.js';
import { COPY_MAX_DIMS, collapseView, packStridedView, STRIDED_VIEW_BYTES } from '../src/ops/strided-copy.js';

// The gather's index math (gk_strided_offset in kernels/strided_copy.cu) is host-callable: compile it into a
// CPU program with nvcc, feed it the views packed by the TypeScript launcher, and compare every source offset
// with the definition (row-major enumeration of the original, uncollapsed view). No GPU needed.

const nvcc = findNvcc();

/** Seeded LCG, so each view is reproducible. */
function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

/** Source offsets (elements from element 0) of every element of a view, in row-major order. */
function expectedOffsets(shape: readonly number[], strides: readonly number[]): number[] {
  const out: number[] = [];
  const walk = (d: number, off: number) => {
    if (d === shape.length) return void out.push(off);
    for (let i = 0; i < shape[d]; i++) walk(d + 1, off + i * strides[d]);
  };
  walk(0, 0);
  return out;
}

/** A view over fresh host storage: `shape`, `strides` (possibly negative / zero) and an offset that fits. */
function view(shape: number[], strides: number[]): Tensor {
  let lo = 0;
  let hi = 0;
  shape.forEach((n, i) => {
    if (strides[i] < 0) lo += (n - 1) * strides[i];
    else hi += (n - 1) * strides[i];
  });
  // The core bounds check counts |stride| spans past the offset: size the storage for that.
  const storage = Tensor.host('u8', [hi - 2 * lo + 3]).storage;
  return new Tensor('u8', shape, storage, strides, -lo + 1);
}

/** Random views: permutations, slices (padded strides), broadcasts, reversals, size-1 dims, rank 1..6. */
function randomViews(count: number): Tensor[] {
  const r = rng(7);
  const out: Tensor[] = [];
  for (let c = 0; c < count; c++) {
    const rank = 1 + r(6);
    const shape = Array.from({ length: rank }, () => 1 + r(4));
    let s = 1;
    const dense = new Array<number>(rank);
    for (let i = rank - 1; i >= 0; i--) {
      dense[i] = s;
      s *= shape[i] + r(2); // sometimes padded: a slice of a larger tensor
    }
    const perm = dense.map((_, i) => i);
    for (let i = rank - 1; i > 0; i--) {
      const j = r(i + 1);
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    const strides = perm.map((p) => dense[p]).map((st) => (r(5) === 0 ? 0 : r(4) === 0 ? -st : st));
    out.push(view(shape, strides));
  }
  return out;
}

describe('strided gather (host side)', () => {
  it('collapses dense runs, drops size-1 dims and keeps the rest outermost first', () => {
    expect(collapseView([2, 3, 4], [12, 4, 1])).toEqual({ sizes: [24], strides: [1] });
    expect(collapseView([4, 6], [1, 4])).toEqual({ sizes: [4, 6], strides: [1, 4] });
    expect(collapseView([2, 1, 3, 5], [40, 7, 10, 1])).toEqual({ sizes: [2, 3, 5], strides: [40, 10, 1] });
    expect(collapseView([2, 3, 5], [30, 10, 1])).toEqual({ sizes: [6, 5], strides: [10, 1] });
    expect(collapseView([3, 2, 4], [16, 4, 1])).toEqual({ sizes: [3, 8], strides: [16, 1] });
    expect(collapseView([3, 4], [0, 1])).toEqual({ sizes: [3, 4], strides: [0, 1] });
    expect(collapseView([1, 1], [5, 9])).toEqual({ sizes: [], strides: [] });
  });

  it('packs the view right-aligned into the fixed slots, leading slots size 1 stride 0', () => {
    const t = view([4, 6], [1, 4]);
    const b = packStridedView(t, 't');
    expect(b.byteLength).toBe(STRIDED_VIEW_BYTES);
    const v = new DataView(b.buffer);
    const sizes = Array.from({ length: COPY_MAX_DIMS }, (_, i) => Number(v.getBigInt64(i * 8, true)));
    const strides = Array.from({ length: COPY_MAX_DIMS }, (_, i) =>
      Number(v.getBigInt64((COPY_MAX_DIMS + i) * 8, true)),
    );
    expect(sizes).toEqual([1, 1, 1, 1, 1, 1, 4, 6]);
    expect(strides).toEqual([0, 0, 0, 0, 0, 0, 1, 4]);
    expect(Number(v.getBigInt64(2 * COPY_MAX_DIMS * 8, true))).toBe(24);
  });

  it('refuses views with more non-mergeable dimensions than the kernel has slots', () => {
    const shape = new Array(COPY_MAX_DIMS + 1).fill(2);
    const strides = shape.map((_, i) => 3 ** (COPY_MAX_DIMS - i)); // no two neighbours merge
    expect(() => packStridedView(view(shape, strides), 'x.y')).toThrow(/strided dimensions/);
  });

  it('kernel index math matches the definition for random views (nvcc-compiled on the CPU)', () => {
    expect(nvcc, 'nvcc not found: set NVCC or put the CUDA toolkit on PATH').toBeTruthy();
    const views = [
      view([4, 6], [1, 4]), // transpose
      view([2, 3, 4], [12, 4, 1]), // dense
      view([5], [-3]), // reversed
      view([3, 1, 4], [0, 9, 1]), // broadcast rows
      ...randomViews(60),
    ];
    const dir = mkdtempSync(join(tmpdir(), 'gk-strided-'));
    try {
      const src = [
        '#include <cstdio>',
        '#include "strided_copy.cu"',
        'int main(int argc, char** argv) {',
        '  printf("%zu\\n", sizeof(GkStridedView));',
        '  FILE* f = fopen(argv[1], "rb");',
        '  GkStridedView v;',
        '  while (fread(&v, sizeof v, 1, f) == 1) {',
        '    for (long long i = 0; i < v.numel; ++i) printf("%lld ", gk_strided_offset(v, i));',
        '    printf("\\n");',
        '  }',
        '  return 0;',
        '}',
      ].join('\n');
      writeFileSync(join(dir, 'h.cu'), src);
      const bin = new Uint8Array(views.length * STRIDED_VIEW_BYTES);
      views.forEach((t, i) => bin.set(packStridedView(t, 'view'), i * STRIDED_VIEW_BYTES));
      writeFileSync(join(dir, 'views.bin'), bin);
      const c = spawnSync(nvcc as string, ['-I', KERNELS_DIR, '-o', join(dir, 'h'), join(dir, 'h.cu')], {
        encoding: 'utf8',
      });
      expect(c.status, c.stderr).toBe(0);
      const r = spawnSync(join(dir, 'h'), [join(dir, 'views.bin')], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const lines = r.stdout.split('\n');
      expect(Number(lines[0])).toBe(STRIDED_VIEW_BYTES);
      views.forEach((t, i) => {
        const got = lines[1 + i].trim() === '' ? [] : lines[1 + i].trim().split(' ').map(Number);
        expect(got, `view ${t.shape} / ${t.strides}`).toEqual(expectedOffsets(t.shape, t.strides));
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
