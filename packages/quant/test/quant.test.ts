import { cpu } from '@gemmkit/backend-cpu';
import { type Context, calcDiff, createContext, isGemmkitError, randomTensor, Tensor } from '@gemmkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quant } from '../src/index.js';

let gk: Context;
beforeAll(async () => {
  gk = await createContext({ backends: [cpu()] });
});
afterAll(() => gk.dispose());

/** Index of the first difference (-1 when equal): keeps failure output short for large arrays. */
function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}
const f64 = (t: Tensor) => Float64Array.from(t.toFloat32Array());

function expectError(fn: () => unknown, code: string, arg: string) {
  try {
    fn();
  } catch (e) {
    expect(isGemmkitError(e)).toBe(true);
    expect((e as any).code).toBe(code);
    expect((e as any).arg).toBe(arg);
    return;
  }
  expect.unreachable('expected a GemmkitError');
}

describe('context API and host helpers agree bit for bit', () => {
  const x = randomTensor('bf16', [2, 33, 320], { seed: 7, std: 5 });
  it('perTokenFp8 (+ue8m0) and perBlockFp8', () => {
    for (const o of [{}, { ue8m0: true }, { scaleDtype: 'ue8m0' as const }, { dtype: 'e5m2' as const }]) {
      const a = quant.perTokenFp8(gk, x, o);
      const b = quant.host.perTokenFp8(x, o);
      expect(firstDiff(a.data.hostBytes(), b.data.hostBytes())).toBe(-1);
      expect(firstDiff(a.scale.tensor.hostBytes(), b.scale.tensor.hostBytes())).toBe(-1);
      expect(a.scale.encoding).toBe(b.scale.encoding);
      const c = quant.perBlockFp8(gk, x, o);
      const d = quant.host.perBlockFp8(x, o);
      expect(firstDiff(c.data.hostBytes(), d.data.hostBytes())).toBe(-1);
      expect(firstDiff(c.scale.tensor.hostBytes(), d.scale.tensor.hostBytes())).toBe(-1);
    }
  });
  it('perTensorFp8, nvfp4, mxfp4', () => {
    const a = quant.perTensorFp8(gk, x);
    const st = quant.perTensorFp8(gk, x, { scale: 0.1 });
    expect(firstDiff(st.data.hostBytes(), quant.host.perTensorFp8(x, { scale: 0.1 }).data.hostBytes())).toBe(
      -1,
    );
    expect(firstDiff(a.data.hostBytes(), quant.host.perTensorFp8(x).data.hostBytes())).toBe(-1);
    const n = quant.nvfp4(gk, x, 1.5, { layout: 'linear' });
    const hn = quant.host.nvfp4(x, 1.5, { layout: 'linear' });
    expect(firstDiff(n.data.hostBytes(), hn.data.hostBytes())).toBe(-1);
    expect(firstDiff(n.scale.tensor.hostBytes(), hn.scale.tensor.hostBytes())).toBe(-1);
    expect(firstDiff(n.globalScale.hostBytes(), hn.globalScale.hostBytes())).toBe(-1);
    const m = quant.mxfp4(gk, x);
    const hm = quant.host.mxfp4(x);
    expect(firstDiff(m.data.hostBytes(), hm.data.hostBytes())).toBe(-1);
    expect(firstDiff(m.scale.tensor.hostBytes(), hm.scale.tensor.hostBytes())).toBe(-1);
  });
});

describe('round trips', () => {
  const x = randomTensor('f32', [64, 512], { seed: 3 });
  const xv = f64(x);
  it('FP8 quantization error is small (calcDiff vs the unquantized input)', () => {
    for (const q of [quant.perTokenFp8(gk, x), quant.perBlockFp8(gk, x), quant.perTensorFp8(gk, x)]) {
      const back = f64(quant.dequantFp8(gk, q));
      expect(calcDiff(back, xv)).toBeLessThan(1e-3);
      expect(firstDiff(quant.host.dequantFp8(q).map(Math.fround), back)).toBe(-1);
    }
  });
  it('FP4 quantization error is within the brief bounds; host and context dequant agree', () => {
    for (const q of [quant.nvfp4(gk, x), quant.fp4(gk, x, { format: 'mxfp4' })]) {
      const back = f64(quant.dequantFp4(gk, q));
      expect(calcDiff(back, xv)).toBeLessThan(2e-2);
      expect(firstDiff(quant.host.dequantFp4(q).map(Math.fround), back)).toBe(-1);
    }
  });
  it('dequantizing again after toMnMajor / swizzle round trips gives the same values', async () => {
    const q = quant.perTokenFp8(gk, x);
    const mn = quant.toMnMajor(gk, q.scale);
    expect(mn.major).toBe('MN');
    expect(
      firstDiff(
        quant.dequantFp8(gk, { data: q.data, scale: mn }).hostBytes(),
        quant.dequantFp8(gk, q).hostBytes(),
      ),
    ).toBe(-1);
    const f = quant.nvfp4(gk, x, undefined, { layout: 'linear' });
    const sw = quant.swizzle(gk, f.scale);
    expect(sw.layout).toBe('swizzle128x4');
    const un = quant.unswizzle(gk, sw, 64, 32);
    expect(firstDiff(un.tensor.hostBytes(), f.scale.tensor.hostBytes())).toBe(-1);
    expect(
      firstDiff(quant.dequantFp4(gk, { ...f, scale: sw }).hostBytes(), quant.dequantFp4(gk, f).hostBytes()),
    ).toBe(-1);
  });
});

describe('bad input', () => {
  const x = randomTensor('f32', [4, 64], { seed: 1 });
  it('names the argument and the expectation', () => {
    expectError(() => quant.nvfp4(gk, x, -1), 'E_RANGE', 'quant.nvfp4.globalScale');
    expectError(() => quant.perTensorFp8(gk, x, { scale: 0 }), 'E_RANGE', 'quant.perTensorFp8.scale');
    expectError(() => quant.fp4(gk, x, { format: 'int4' as any }), 'E_UNSUPPORTED', 'quant.fp4.format');
    expectError(
      () => quant.fp4(gk, x, { format: 'mxfp4', globalScale: 2 }),
      'E_UNSUPPORTED',
      'quant.fp4.globalScale',
    );
    expectError(() => quant.perTokenFp8(gk, x, { groupSize: 0 }), 'E_RANGE', 'quantPerTokenFp8.groupSize');
    expectError(() => quant.host.perBlockFp8(x, { blockK: 0 }), 'E_RANGE', 'quantPerBlockFp8.blockK');
    expectError(() => quant.host.mxfp4(randomTensor('f32', [4, 40], { seed: 2 })), 'E_ALIGN', 'quantMxfp4.x');
    const q = quant.perTokenFp8(gk, x);
    expectError(
      () => quant.swizzle(gk, quant.toMnMajor(gk, q.scale)),
      'E_LAYOUT',
      'quant.swizzle.scale.layout',
    );
    expectError(() => quant.unswizzle(gk, q.scale, 4, 1), 'E_LAYOUT', 'quant.unswizzle.scale.layout');
    expectError(
      () => quant.dequantFp8(gk, { data: q.data, scale: { ...q.scale, granularity: [0, 0, 0] } }),
      'E_UNSUPPORTED',
      'quant.dequantFp8.scale',
    );
    expectError(() => quant.perTokenFp8(gk, Tensor.host('e4m3', [4, 128])), 'E_DTYPE', 'quantPerTokenFp8.x');
  });
});
