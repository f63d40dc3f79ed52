/**
 * `validate: 'fast'` on the CPU backend: nothing is checked before launch beyond shapes and dtypes, the
 * kernels clamp or skip bad index data, and the call then reports it like 'full' would have — the whole
 * bad-input matrix must come back with the case's code and argument (design notes: "same code, same argument
 * name"), including values only a kernel sees in fast mode (stale scheduleMeta, non-finite scales/logits).
 */
import { contracts, createContext } from '@gemmkit/core';
import { badInputCases, runBadInputCase } from '@gemmkit/core/conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';

const fast = await createContext({ backends: [cpu()], validate: 'fast' });
afterAll(() => fast.dispose());

describe("bad-input matrix on cpu with validate: 'fast'", () => {
  for (const c of badInputCases)
    it(`${c.op} reports ${c.name} with ${c.code}`, async () => {
      const r = await runBadInputCase(fast, c, { backend: 'cpu' });
      expect(r.failures).toEqual([]);
    });

  it('the fast contract check really lets value errors through to the kernel (not vacuous)', () => {
    const c = badInputCases.find((x) => x.op === 'quantPerTensorFp8' && x.name === 'zero scale')!;
    expect(() => contracts.quantPerTensorFp8.validate(c.build(1) as never, 'fast')).not.toThrow();
    expect(() => fast.ops.quantPerTensorFp8(c.build(1) as never)).toThrow(/E_RANGE/);
  });
});
