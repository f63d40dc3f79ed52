import { randomTensor, Tensor } from '@gemmkit/core';
import { describe, expect, it } from 'vitest';
import {
  contiguousLayout,
  maskedLayout,
  packMasked,
  permute,
  topkRouting,
  unpackMasked,
  unpermute,
} from '../src/index.js';
import { expectError, f32, floats, i32, ints } from './helpers.js';

describe('permute / unpermute', () => {
  it('unpermute(permute(x)) = x for k = 1 and for k = 2 with weights 1/2', () => {
    const x = randomTensor('bf16', [10, 24], { seed: 2 });
    const ids1 = i32([3, 0, 1, 3, 3, 2, 0, 1, 1, 0], [10, 1]);
    const l1 = contiguousLayout(ids1, 4, { alignment: 8 });
    const back1 = unpermute(permute(x, l1), l1);
    expect(back1.dtype).toBe('bf16');
    expect([...back1.hostBytes()]).toEqual([...x.hostBytes()]);
    const ids2 = i32([0, 1, 1, 2, 2, 3, 3, 0, 0, 2, 1, 3, 2, 0, 3, 1, 0, 3, 1, 2], [10, 2]);
    const l2 = contiguousLayout(ids2, 4, { alignment: 8 });
    const half = f32(new Array(20).fill(0.5), [10, 2]);
    const back2 = unpermute(permute(x, l2), l2, { topkWeights: half });
    expect([...back2.hostBytes()]).toEqual([...x.hostBytes()]);
  });

  it('padding rows are zero in a fresh output and untouched in a given one', () => {
    const x = randomTensor('f32', [3, 4], { seed: 5 });
    const l = contiguousLayout(i32([1, 1, 0], [3, 1]), 2, { alignment: 4 });
    const p = floats(permute(x, l));
    const xv = floats(x);
    expect(p.slice(0, 4)).toEqual(xv.slice(8, 12));
    expect(p.slice(4, 16)).toEqual(new Array(12).fill(0));
    expect(p.slice(16, 24)).toEqual(xv.slice(0, 8));
    expect(p.slice(24)).toEqual(new Array(8).fill(0));
    const out = f32(new Array(32).fill(7), [8, 4]);
    permute(x, l, { out });
    expect(floats(out).slice(4, 16)).toEqual(new Array(12).fill(7));
  });

  it('weighted combine matches a direct formula (routing → permute → expert op → unpermute)', () => {
    const T = 12;
    const H = 6;
    const E = 5;
    const x = randomTensor('f32', [T, H], { seed: 8 });
    const r = topkRouting(randomTensor('f32', [T, E], { seed: 9 }), { topK: 2, renormalize: true });
    const l = contiguousLayout(r.topkIds, E, { alignment: 4 });
    // "expert e" multiplies its rows by (e + 1).
    const p = floats(permute(x, l));
    const m = ints(l.mIndices);
    const y = f32(
      p.map((v, i) => v * (m[Math.floor(i / H)] + 1)),
      [l.totalRows, H],
    );
    const got = floats(unpermute(y, l, { topkWeights: r.topkWeights }));
    const ids = ints(r.topkIds);
    const w = floats(r.topkWeights);
    const xv = floats(x);
    for (let t = 0; t < T; t++)
      for (let h = 0; h < H; h++) {
        const y0 = Math.fround((ids[2 * t] + 1) * xv[t * H + h]);
        const y1 = Math.fround((ids[2 * t + 1] + 1) * xv[t * H + h]);
        const want = w[2 * t] * y0 + w[2 * t + 1] * y1;
        expect(got[t * H + h]).toBe(Math.fround(want));
      }
  });

  it('rejects bad input precisely', () => {
    const l = contiguousLayout(i32([0, 1], [2, 1]), 2, { alignment: 4 });
    expectError(() => permute(f32([1, 2, 3], [3, 1]), l), 'E_SHAPE', 'moe.permute.x');
    expectError(
      () => permute(f32([1, 2], [2, 1]), l, { out: f32(new Array(7).fill(0), [7, 1]) }),
      'E_SHAPE',
      'moe.permute.out',
    );
    expectError(
      () => permute(f32([1, 2], [2, 1]), { rowOf: i32([0, 9], [2, 1]), totalRows: 8 }),
      'E_RANGE',
      'moe.permute.layout.rowOf',
    );
    expectError(() => unpermute(f32([1], [1, 1]), l), 'E_SHAPE', 'moe.unpermute.y');
    expectError(
      () => unpermute(f32(new Array(8).fill(1), [8, 1]), l, { topkWeights: f32([1, 1, 1], [3, 1]) }),
      'E_SHAPE',
      'moe.unpermute.topkWeights',
    );
    expectError(
      () => unpermute(f32(new Array(8).fill(1), [8, 1]), l, { outDtype: 'e4m3' as any }),
      'E_UNSUPPORTED',
      'moe.unpermute.outDtype',
    );
    expectError(() => permute(f32([1, 2], [2, 1]), undefined as any), 'E_UNSUPPORTED', 'moe.permute.layout');
  });
});

describe('masked packing', () => {
  it('fills rows < maskedM, leaves the rest untouched, and unpacks back', () => {
    const T = 7;
    const K = 5;
    const x = randomTensor('bf16', [T, K], { seed: 12 });
    const ids = i32([2, 0, 2, 2, 1, 0, 2], [T, 1]);
    const l = maskedLayout(ids, 3, { maxM: 6 });
    expect(ints(l.maskedM)).toEqual([2, 1, 4]);
    const out = Tensor.host('bf16', [3, 6, K], new Uint8Array(3 * 6 * K * 2).fill(0x3f)); // 0x3f3f ≈ 0.746
    packMasked(x, l, { out });
    const a = floats(out);
    const xv = floats(x);
    const untouched = floats(Tensor.host('bf16', [1], new Uint8Array([0x3f, 0x3f])))[0];
    const mm = [2, 1, 4];
    const next = [0, 0, 0];
    const ex = ints(ids);
    for (let t = 0; t < T; t++) {
      const e = ex[t];
      const row = next[e]++;
      expect(a.slice((e * 6 + row) * K, (e * 6 + row + 1) * K)).toEqual(xv.slice(t * K, (t + 1) * K));
    }
    for (let e = 0; e < 3; e++)
      for (let r = mm[e]; r < 6; r++)
        expect(a.slice((e * 6 + r) * K, (e * 6 + r + 1) * K)).toEqual(new Array(K).fill(untouched));
    expect([...unpackMasked(out, l).hostBytes()]).toEqual([...x.hostBytes()]);
  });

  it('rejects a slab of the wrong shape', () => {
    const l = maskedLayout(i32([0, 1], [2, 1]), 2, { maxM: 2 });
    expectError(() => unpackMasked(f32([1, 2, 3, 4, 5, 6], [2, 3]), l), 'E_SHAPE', 'moe.unpackMasked.y');
    expectError(
      () => packMasked(f32([1, 2], [2, 1]), l, { out: f32([0, 0, 0], [3, 1, 1]) }),
      'E_SHAPE',
      'moe.packMasked.out',
    );
  });
});
