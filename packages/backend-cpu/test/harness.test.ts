import { type Backend, type BackendFactory, createContext, type KernelFn, Tensor } from '@gemmkit/core';
import {
  type ConformanceCase,
  conformanceCases,
  runBadInputCase,
  runConformanceCase,
  TOLERANCE,
} from '@gemmkit/core/conformance';
import { describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';

/** A backend that wraps cpu() but swaps one kernel, to prove the harness catches each kind of fault. */
function wrapped(name: string, bmmFp16: KernelFn<'bmmFp16'>): BackendFactory {
  return {
    name,
    priority: 1,
    async create(): Promise<Backend> {
      const base = await cpu().create();
      return { ...base, name, kernels: { ...base.kernels, bmmFp16 }, capabilities: base.capabilities };
    },
  };
}

const realKernel = async () => (await cpu().create()).kernels.bmmFp16!;

const bmmCase = conformanceCases.find(
  (c) => c.op === 'bmmFp16' && c.name.startsWith('odd'),
) as ConformanceCase<'bmmFp16'>;

async function check(factory: BackendFactory, c = bmmCase) {
  const ctx = await createContext({ backends: [factory, cpu()] });
  try {
    return await runConformanceCase(ctx, c, { backend: factory.name });
  } finally {
    await ctx.dispose();
  }
}

describe('conformance harness', () => {
  it('passes the real kernel', async () => {
    const k = await realKernel();
    const r = await check(wrapped('same', k));
    expect(r.failures).toEqual([]);
    expect(r.metrics.out.calcDiff).toBe(0);
    expect(r.metrics.out.elements).toBe(3 * 37 * 53);
  });

  it('catches an element the kernel never wrote (NaN poison)', async () => {
    const k = await realKernel();
    const skip: KernelFn<'bmmFp16'> = (plan, args, kctx) => {
      const saved = args.out!.hostBytes().slice(0, 2); // poisoned NaN of element 0
      const out = k(plan, args, kctx);
      (out.storage as any).bytes.set(saved, out.offset * 2);
      return out;
    };
    const r = await check(wrapped('skip', skip));
    expect(r.failures.some((f) => f.includes('non-finite'))).toBe(true);
  });

  it('catches a numerically wrong result', async () => {
    const k = await realKernel();
    const off: KernelFn<'bmmFp16'> = (plan, args, kctx) => {
      const out = k(plan, args, kctx);
      const u16 = new Uint16Array((out.storage as any).bytes.buffer);
      for (let i = 0; i < out.numel; i++) u16[out.offset + i] += 2; // two bf16 ulps (~1.6%) everywhere
      return out;
    };
    const r = await check(wrapped('off', off));
    expect(r.ok).toBe(false);
    expect(r.failures.join()).toMatch(/calcDiff/);
  });

  it('catches a nondeterministic kernel (rerun not bitwise identical)', async () => {
    const k = await realKernel();
    let calls = 0;
    const flaky: KernelFn<'bmmFp16'> = (plan, args, kctx) => {
      const out = k(plan, args, kctx);
      if (++calls === 2) {
        const bytes = (out.storage as any).bytes as Uint8Array;
        bytes[out.offset * 2] ^= 1; // flip one mantissa bit on the rerun (call 1 is the compared run)
      }
      return out;
    };
    const r = await check(wrapped('flaky', flaky));
    expect(r.failures.some((f) => f.includes('bitwise'))).toBe(true);
  });

  it('flags a bad-input case that is accepted, or rejected with another code', async () => {
    const ctx = await createContext({ backends: [cpu()] });
    const good = bmmCase.build(1);
    const accepted = await runBadInputCase(
      ctx,
      { op: 'bmmFp16', name: 'not bad at all', code: 'E_SHAPE', build: () => good },
      { backend: 'cpu' },
    );
    expect(accepted.failures[0]).toMatch(/accepted/);
    const wrongCode = await runBadInputCase(
      ctx,
      {
        op: 'bmmFp16',
        name: 'f32 a',
        code: 'E_SHAPE',
        build: () => ({ ...good, a: Tensor.host('f32', good.a.shape) }),
      },
      { backend: 'cpu' },
    );
    expect(wrongCode.failures[0]).toMatch(/threw E_DTYPE, expected E_SHAPE/);
    await ctx.dispose();
  });

  it('allowNonFinite: equal NaN patterns pass, a NaN where the reference has a value fails', async () => {
    const k = await realKernel();
    // Row 0 of `a` is NaN: row 0 of the output is NaN on both backends.
    const nanRow: ConformanceCase<'bmmFp16'> = {
      ...bmmCase,
      name: 'nan row',
      allowNonFinite: true,
      build: (s) => {
        const args = bmmCase.build(s);
        const a = args.a.hostBytes().slice();
        for (let i = 0; i < args.a.shape[2]; i++) a.set([0xc0, 0x7f], 2 * i);
        return { ...args, a: Tensor.host('bf16', args.a.shape, a) };
      },
    };
    expect((await check(wrapped('same2', k), nanRow)).failures).toEqual([]);
    const extraNaN: KernelFn<'bmmFp16'> = (plan, args, kctx) => {
      const out = k(plan, args, kctx);
      (out.storage as any).bytes.set([0xc0, 0x7f], (out.offset + out.numel - 1) * 2);
      return out;
    };
    const r = await check(wrapped('extra', extraNaN), nanRow);
    expect(r.failures.join()).toMatch(/non-finite pattern differs/);
  });

  it('exposes the brief §5 tolerances', () => {
    expect(TOLERANCE.dequantized.calcDiff).toBe(1e-5);
    expect(TOLERANCE.fp4VsUnquantized.calcDiff).toBe(2e-2);
  });
});
