import { cpu } from '@gemmkit/backend-cpu';
import {
  type Backend,
  type BackendFactory,
  createContext,
  GemmkitError,
  type HostStorage,
  Tensor,
} from '@gemmkit/core';
import { describe, expect, it } from 'vitest';
import { rooflineFraction } from '../src/bench/ceilings.js';
import { formatError } from '../src/errors.js';
import { toCsv } from '../src/report/csv.js';
import { niceTicks, plotSvg } from '../src/report/plot-svg.js';
import {
  compareOutput,
  parseAssignments,
  resolveParams,
  runCase,
  workloads,
} from '../src/workloads/index.js';

/** The CPU backend with one op's kernel corrupting element 0 of its output: verification must catch it. */
function faulty(): BackendFactory {
  return {
    name: 'faulty',
    priority: 5,
    async create() {
      const base = await cpu().create();
      const kernels = {
        ...base.kernels,
        bmmFp16: (plan: any, args: any, kctx: any) => {
          const out = base.kernels.bmmFp16!(plan, args, kctx) as Tensor;
          const bytes = (out.storage as HostStorage).bytes;
          bytes[out.offset * 2] = 0x00;
          bytes[out.offset * 2 + 1] = 0x43; // bf16 128.0
          return out;
        },
      };
      return Object.assign(Object.create(base) as Backend, { name: 'faulty', kernels });
    },
  };
}

describe('verification', () => {
  it('a backend that computes a wrong element fails the check with a calcDiff message', async () => {
    const gk = await createContext({ backends: [faulty(), cpu()] });
    const w = workloads.bmmFp16!;
    const r = await runCase(gk, w.make(resolveParams(w, 'tiny')) as any, {
      backend: 'faulty',
      reference: 'cpu',
      timing: { warmup: 0, iters: 1, budgetMs: 0 },
    });
    expect(r.ok).toBe(false);
    expect(r.failures.join('\n')).toMatch(/calcDiff .* > 0.00001/);
    expect(r.outputs[0].maxAbs).toBeGreaterThan(50);
    expect(Number.isNaN(r.outputs[0].error[0])).toBe(false);
    expect(r.outputs[0].error[0]).toBe(r.outputs[0].maxAbs);
    await gk.dispose();
  });

  it('the correct backend passes the same case with calcDiff 0', async () => {
    const gk = await createContext({ backends: [cpu()] });
    const w = workloads.gemmFp8NtGroupwise!;
    const r = await runCase(
      gk,
      w.make(resolveParams(w, 'tiny', { scaleMajor: 'MN', granularity: '128x128' })) as any,
      {
        backend: 'cpu',
        timing: { warmup: 0, iters: 1, budgetMs: 0 },
      },
    );
    expect(r.failures).toEqual([]);
    expect(r.flops).toBe(2 * 16 * 64 * 256);
    await gk.dispose();
  });
});

describe('compareOutput', () => {
  const f32 = (v: number[]) => Tensor.host('f32', [v.length], new Uint8Array(new Float32Array(v).buffer));
  const base = { op: 'bmmFp16', name: 't', build: () => ({}) as any, tolerance: { calcDiff: 1e-5 } } as any;
  it('matching NaN positions pass only when the case allows non-finite outputs', () => {
    const got = f32([1, Number.NaN, 3]);
    const ref = f32([1, Number.NaN, 3]);
    expect(compareOutput('out', got, ref, { ...base, allowNonFinite: true }).failures).toEqual([]);
    expect(compareOutput('out', got, ref, base).failures[0]).toMatch(/non-finite NaN at flat index 1/);
  });
  it('a NaN on one side only is a mismatch, shown as NaN in the error map', () => {
    const r = compareOutput('out', f32([1, Number.NaN, 3]), f32([1, 2, 3]), {
      ...base,
      allowNonFinite: true,
    });
    expect(r.failures[0]).toMatch(/non-finite mismatch at flat index 1: got NaN, reference 2/);
    expect(Number.isNaN(r.check.error[1])).toBe(true);
    expect(r.check.error[0]).toBe(0);
  });
  it('all-zero outputs compare equal; maxAbs tolerance is enforced', () => {
    expect(compareOutput('out', f32([0, 0]), f32([0, 0]), base).check.calcDiff).toBe(0);
    const r = compareOutput('out', f32([1, 2]), f32([1, 2.5]), {
      ...base,
      tolerance: { calcDiff: 1, maxAbs: 0.1 },
    });
    expect(r.failures).toEqual(['out: max |diff| 0.5 > 0.1']);
  });
});

describe('workload params', () => {
  const w = workloads.bmmFp8!;
  it('applies defaults, then the size preset, then overrides (coerced from strings)', () => {
    const p = resolveParams(w, 'tiny', { k: '128', outDtype: 'e4m3' });
    expect(p).toMatchObject({ m: 16, n: 32, k: 128, outDtype: 'e4m3', batch: 1 });
  });
  it.each([
    [{ k: 100 }, 'E_ALIGN', 'bmmFp8.k'],
    [{ m: -1 }, 'E_RANGE', 'bmmFp8.m'],
    [{ m: 1.5 }, 'E_RANGE', 'bmmFp8.m'],
    [{ outDtype: 'f64' }, 'E_UNSUPPORTED', 'bmmFp8.outDtype'],
    [{ nope: 1 }, 'E_UNSUPPORTED', 'bmmFp8.params'],
  ])('rejects %o with %s on %s', (over, code, arg) => {
    try {
      resolveParams(w, 'small', over as any);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(GemmkitError);
      expect((e as GemmkitError).code).toBe(code);
      expect((e as GemmkitError).arg).toBe(arg);
    }
  });
  it('rejects an unknown size preset and a malformed --set', () => {
    expect(() => resolveParams(w, 'huge' as any)).toThrow(/E_UNSUPPORTED: unknown size preset/);
    expect(() => parseAssignments(['k4096'])).toThrow(/E_UNSUPPORTED: expected name=value/);
    expect(parseAssignments(['k=4096', 'outDtype = f16'])).toEqual({ k: '4096', outDtype: 'f16' });
  });
  it('every workload builds args its contract accepts at the tiny and small sizes', async () => {
    const { contracts } = await import('@gemmkit/core');
    for (const [op, wl] of Object.entries(workloads))
      for (const size of ['tiny', 'small'] as const)
        for (const spec of wl!.params.filter((p) => p.kind === 'enum'))
          for (const v of spec.values!) {
            const args = wl!.make(resolveParams(wl!, size, { [spec.name]: v })).build(3);
            expect(
              () => (contracts as any)[op].validate(args, 'full'),
              `${op} ${size} ${spec.name}=${v}`,
            ).not.toThrow();
          }
  });
});

describe('reporting', () => {
  it('formats GemmkitErrors as one line with the code; others with "error:"', () => {
    const e = new GemmkitError('E_SHAPE', 'bad\nsecond line', { arg: 'x.a', expected: [1], actual: [2] });
    expect(formatError(e)).toBe('error E_SHAPE: bad');
    expect(formatError(new Error('boom'))).toBe('error: boom');
    expect(formatError('str')).toBe('error: str');
    expect(formatError(new Error('boom'), true)).toMatch(/^error: boom\nError: boom\n\s+at /);
  });
  it('niceTicks covers the range with 1-2-5 steps', () => {
    expect(niceTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0, 0.37)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(niceTicks(0, 1300)).toEqual([0, 500, 1000]);
  });
  it('plotSvg draws one path per series and escapes text', () => {
    const svg = plotSvg({
      title: 'a < b',
      xLabel: 'M',
      yLabel: 'TFLOP/s',
      logX: true,
      series: [
        {
          name: 'cpu',
          points: [
            [8, 1],
            [16, 2],
            [32, 3],
          ],
        },
        {
          name: 'webgpu',
          points: [
            [8, 2],
            [16, 4],
          ],
        },
      ],
    });
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(5);
    expect(svg).toContain('a &lt; b');
    expect(svg).not.toContain('NaN');
  });
  it('toCsv quotes cells with commas and quotes', () => {
    expect(
      toCsv([
        { a: 1, b: 'x,y' },
        { a: 2, c: 'say "hi"' },
      ]),
    ).toBe('a,b,c\n1,"x,y",\n2,,"say ""hi"""\n');
  });
  it('roofline fraction is relative to the binding ceiling', () => {
    const c = { source: 't', gbps: 1000, tflops: { fp4: 100, fp8: 100, fp16: 50, f32: 10 } };
    // Memory-bound: intensity 10 FLOP/B → bound 10 TFLOP/s; achieving 5 TFLOP/s is 50%.
    expect(rooflineFraction(10e12 * 0.5, 1e12 * 0.5, 1, c, 'fp8')).toBeCloseTo(0.5);
    // Compute-bound at 1e4 FLOP/B: bound 50 TFLOP/s for fp16.
    expect(rooflineFraction(25e12, 25e8, 1, c, 'fp16')).toBeCloseTo(0.5);
    // No FLOPs (quantizers): fraction of bandwidth.
    expect(rooflineFraction(0, 500e9, 1, c, 'fp8')).toBeCloseTo(0.5);
  });
});
