import {
  calcDiff,
  contracts,
  createContext,
  DEFAULT_AMAX_EPS,
  isGemmkitError,
  nanTensor,
  quantizeFp8Blocks,
  Random,
  randomTensor,
  Tensor,
  tensorFrom,
} from '@gemmkit/core';
import { describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';
import { expectSaneCosts } from './grouped/costs.js';
import { at, bitsAt, compare } from './grouped/naive.js';

const gk = await createContext({ backends: [cpu()] });
const fast = await createContext({ backends: [cpu()], validate: 'fast' });

/** Expert of row m under each mode, written from the contract text (-1: padding). */
function expertOfRow(mode: string, info: number[], m: number, align: number): number {
  if (mode === 'per_token') return info[m];
  let prevEnd = 0;
  for (let e = 0; e < info.length; e++) {
    const start = Math.ceil(prevEnd / align) * align;
    const end = mode === 'psum_expert' ? info[e] : start + info[e];
    if (m >= start && m < end) return e;
    prevEnd = mode === 'psum_expert' ? Math.max(prevEnd, info[e]) : end;
  }
  return -1;
}

function naive(args: any, mode: string, info: number[], align: number, gn: number) {
  return (idx: number[]) => {
    const [m, n] = idx;
    const e = expertOfRow(mode, info, m, align);
    if (e < 0) return null;
    let s = 0;
    const k = args.a.shape[1];
    for (let kk = 0; kk < k; kk++)
      s +=
        at(args.a, m, kk) *
        at(args.aScale, m, Math.floor(kk / 128)) *
        at(args.b, e, n, kk) *
        at(args.bScale, e, Math.floor(n / gn), Math.floor(kk / 128));
    return s;
  };
}

function operands(seed: number, m: number, e: number, n: number, k: number, gn: number, opts: any = {}) {
  const dt = opts.dtype ?? 'e4m3';
  const a =
    opts.majorA === 'M'
      ? randomTensor(dt, [k, m], { seed }).transpose(0, 1)
      : randomTensor(dt, [m, k], { seed });
  const b =
    opts.majorB === 'N'
      ? randomTensor(dt, [e, k, n], { seed: seed + 1 }).transpose(1, 2)
      : randomTensor(dt, [e, n, k], { seed: seed + 1 });
  const kb = Math.ceil(k / 128);
  return {
    a,
    b,
    aScale: randomTensor('f32', [m, kb], { seed: seed + 2, dist: 'uniform', low: 0.25, high: 2 }),
    bScale: randomTensor('f32', [e, Math.ceil(n / gn), kb], {
      seed: seed + 3,
      dist: 'uniform',
      low: 0.25,
      high: 2,
    }),
  };
}

describe('raggedMMoeGemm8bit agrees with the naive formula', () => {
  const layouts = [
    // mode, info, E, M, alignment
    { mode: 'per_token', info: [0, 0, 0, ...new Array(125).fill(-1), 2, 2, 2, -1], e: 3, m: 132, align: 128 },
    { mode: 'psum_expert', info: [3, 128, 130], e: 3, m: 140, align: 128 },
    { mode: 'per_expert', info: [2, 0, 5], e: 3, m: 270, align: 256 },
  ] as const;
  for (const l of layouts)
    for (const gn of [128, 1])
      it(`${l.mode}, alignment ${l.align}, gn=${gn}`, () => {
        const n = 20;
        const k = 272;
        const ops = operands(11, l.m, l.e, n, k, gn, {
          majorA: l.mode === 'psum_expert' ? 'M' : 'K',
          majorB: gn === 1 ? 'N' : 'K',
        });
        const args = {
          ...ops,
          raggedTokensInfo: tensorFrom('i32', [l.info.length], l.info),
          gemmMode: l.mode,
          alignmentM: l.align,
          majorA: l.mode === 'psum_expert' ? ('M' as const) : ('K' as const),
          majorB: gn === 1 ? ('N' as const) : ('K' as const),
          scaleGranularityMnk: [1, gn, 128] as [number, number, number],
          out: nanTensor('bf16', [l.m, n]),
        };
        gk.ops.raggedMMoeGemm8bit(args);
        expect(compare(args.out, naive(args, l.mode, [...l.info], l.align, gn))).toEqual([]);
      });

  it('e5m2 inputs, f16 output allocated by the kernel, every row owned', () => {
    const ops = operands(5, 256, 2, 24, 128, 128, { dtype: 'e5m2' });
    const info = [128, 128];
    const out = gk.ops.raggedMMoeGemm8bit({
      ...ops,
      raggedTokensInfo: tensorFrom('i32', [2], info),
      gemmMode: 'per_expert',
      outDtype: 'f16',
    });
    expect(out.dtype).toBe('f16');
    expect(compare(out, naive(ops, 'per_expert', info, 128, 128))).toEqual([]);
  });
});

describe('raggedMMoeGemm8bit padding rows and bad index data', () => {
  it('padding rows keep their exact bytes (not just NaN)', () => {
    const ops = operands(3, 130, 2, 8, 64, 128);
    const out = Tensor.host('bf16', [130, 8], new Uint8Array(130 * 8 * 2).fill(0xab));
    const info = [1, 1, ...new Array(126).fill(-1), 0, 0];
    gk.ops.raggedMMoeGemm8bit({ ...ops, raggedTokensInfo: tensorFrom('i32', [130], info), out });
    for (let r = 2; r < 128; r++) for (let c = 0; c < 8; c++) expect(bitsAt(out, r, c)).toBe(0xabab);
    expect(
      compare(out.narrow(0, 128, 2), ([m, n]) => naive(ops, 'per_token', info, 128, 128)([m + 128, n])),
    ).toEqual([]);
  });

  it("validate 'fast': bad expert ids are skipped, nothing outside out is written, then E_RANGE", () => {
    const ops = operands(4, 4, 2, 8, 64, 128);
    // out is a window of a larger poisoned buffer: rows 1..4 of 6.
    const big = nanTensor('bf16', [6, 8]);
    const out = big.narrow(0, 1, 4);
    const info = [0, 7, -5, 1];
    let err: unknown;
    try {
      fast.ops.raggedMMoeGemm8bit({ ...ops, raggedTokensInfo: tensorFrom('i32', [4], info), out });
    } catch (e) {
      err = e;
    }
    expect(isGemmkitError(err, 'E_RANGE')).toBe(true);
    const want = naive(ops, 'per_token', [0, -1, -1, 1], 128, 128);
    expect(compare(out, want)).toEqual([]);
    for (const r of [0, 5]) for (let c = 0; c < 8; c++) expect(Number.isNaN(at(big, r, c))).toBe(true);
  });

  it("validate 'fast': two experts in one aligned block finish the work, then E_LAYOUT (as 'full')", () => {
    const ops = operands(5, 130, 2, 8, 64, 128);
    const out = nanTensor('bf16', [130, 8]);
    const info = [0, 0, 1, ...new Array(125).fill(-1), 1, 1];
    const args = { ...ops, raggedTokensInfo: tensorFrom('i32', [130], info), out };
    let err: unknown;
    try {
      fast.ops.raggedMMoeGemm8bit(args);
    } catch (e) {
      err = e;
    }
    expect(isGemmkitError(err, 'E_LAYOUT')).toBe(true);
    expect((err as { arg: string }).arg).toBe('raggedMMoeGemm8bit.raggedTokensInfo');
    expect(compare(out, naive(ops, 'per_token', info, 128, 128))).toEqual([]);
    expect(() => gk.ops.raggedMMoeGemm8bit(args)).toThrow(/E_LAYOUT/);
    // The second block [128, 130) alone, with one expert, is fine.
    const okInfo = [0, 0, 0, ...new Array(125).fill(-1), 1, 1];
    fast.ops.raggedMMoeGemm8bit({ ...args, raggedTokensInfo: tensorFrom('i32', [130], okInfo) });
  });

  it("validate 'fast': per_expert counts past M are clamped to M", () => {
    const ops = operands(6, 130, 2, 8, 64, 128);
    const out = nanTensor('bf16', [130, 8]);
    expect(() =>
      fast.ops.raggedMMoeGemm8bit({
        ...ops,
        raggedTokensInfo: tensorFrom('i32', [2], [3, 50]),
        gemmMode: 'per_expert',
        out,
      }),
    ).toThrow(/E_RANGE/);
    expect(compare(out, naive(ops, 'per_expert', [3, 2], 128, 128))).toEqual([]);
  });

  it('the plan counts only owned rows in flops when index data is host-readable', () => {
    const ops = operands(7, 130, 2, 8, 64, 128);
    const info = tensorFrom('i32', [130], [0, 0, ...new Array(128).fill(-1)]);
    const plan = contracts.raggedMMoeGemm8bit.validate({ ...ops, raggedTokensInfo: info });
    expect(plan.activeRows).toBe(2);
    expect(contracts.raggedMMoeGemm8bit.flops(plan)).toBe(2 * 2 * 8 * 64);
  });
});

describe('raggedMMoeGemm8bit against unquantized inputs (scale semantics end to end)', () => {
  it('per-token 1x128 A and 128x128 B quantized with the core quantizer: calcDiff ≤ 1e-3', () => {
    const [e, n, k] = [2, 160, 384];
    const info = [...new Array(5).fill(0), ...new Array(123).fill(-1), ...new Array(9).fill(1)];
    const m = info.length;
    const x = new Random(42);
    const af = x.fillNormal(new Float64Array(m * k));
    const bf = x.fillNormal(new Float64Array(e * n * k));
    const qa = quantizeFp8Blocks(af, [1, m, k], [1, 128], {
      dtype: 'e4m3',
      eps: DEFAULT_AMAX_EPS,
      ue8m0: false,
    });
    const qb = quantizeFp8Blocks(bf, [e, n, k], [128, 128], {
      dtype: 'e4m3',
      eps: DEFAULT_AMAX_EPS,
      ue8m0: false,
    });
    const kb = Math.ceil(k / 128);
    const out = gk.ops.raggedMMoeGemm8bit({
      a: Tensor.host('e4m3', [m, k], qa.codes),
      aScale: tensorFrom('f32', [m, kb], qa.scales),
      b: Tensor.host('e4m3', [e, n, k], qb.codes),
      bScale: tensorFrom('f32', [e, Math.ceil(n / 128), kb], qb.scales),
      raggedTokensInfo: tensorFrom('i32', [m], info),
      out: nanTensor('bf16', [m, n]),
    });
    const got: number[] = [];
    const want: number[] = [];
    for (let r = 0; r < m; r++) {
      if (info[r] < 0) continue;
      for (let c = 0; c < n; c++) {
        let s = 0;
        for (let kk = 0; kk < k; kk++) s += af[r * k + kk] * bf[(info[r] * n + c) * k + kk];
        want.push(s);
        got.push(at(out, r, c));
      }
    }
    expect(calcDiff(got, want)).toBeLessThan(1e-3);
  });
});

describe('raggedMMoeGemm8bit cost model', () => {
  it('gives finite, non-negative flops and bytes for every conformance case', () =>
    expectSaneCosts('raggedMMoeGemm8bit'));
});
