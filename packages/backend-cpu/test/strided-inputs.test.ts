/**
 * Strided (non-contiguous) inputs on the reference backend: every conformance case is rerun with each tensor
 * argument as a padded view of the same values (`paddedView`: longer row strides, an offset, poison in the
 * gaps). Wherever the op contract accepts the view, the CPU backend must compute exactly what it computes on
 * the arguments as built; where the contract refuses, it must be E_LAYOUT naming that argument.
 */
import { createContext, Tensor } from '@gemmkit/core';
import { conformanceCases, paddedView, runStridedCase } from '@gemmkit/core/conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';

const ctx = await createContext({ backends: [cpu()], validate: 'full' });
afterAll(() => ctx.dispose());

describe('paddedView', () => {
  it('keeps values and memory order, pads rows, offsets the start, poisons the gaps', () => {
    const t = Tensor.host('f32', [3, 5], new Uint8Array(new Float32Array([...Array(15).keys()]).buffer));
    const v = paddedView(t);
    expect(v.isContiguous).toBe(false);
    expect(v.offset).toBe(4);
    expect(v.strides).toEqual([8, 1]);
    expect([...v.toFloat32Array()]).toEqual([...t.toFloat32Array()]);
    const all = new Float32Array((v.storage as unknown as { bytes: Uint8Array }).bytes.slice().buffer);
    expect(Number.isNaN(all[0]) && Number.isNaN(all[4 + 5])).toBe(true);
    const tt = t.transpose(0, 1);
    const vt = paddedView(tt);
    expect(vt.strides[0]).toBe(1);
    expect([...vt.toFloat32Array()]).toEqual([...tt.toFloat32Array()]);
    const one = paddedView(Tensor.host('i32', [4], new Uint8Array(new Int32Array([1, 2, 3, 4]).buffer)));
    expect(one.strides).toEqual([2]);
    expect([...one.toFloat32Array()]).toEqual([1, 2, 3, 4]);
  });
});

describe('cpu computes on every strided view its contracts accept', () => {
  const refusedByContract = new Set<string>();
  let stridedRuns = 0;
  for (const c of conformanceCases) {
    it(`${c.op}: ${c.name}`, async () => {
      const r = await runStridedCase(ctx, c, { backend: 'cpu', reference: 'cpu' });
      expect(r.failures).toEqual([]);
      expect(r.refused.filter((x) => x.by === 'backend')).toEqual([]);
      for (const x of r.refused) refusedByContract.add(`${c.op}.${x.arg}`);
      stridedRuns += r.strided.length;
    });
  }
  it('most arguments were really passed strided', () => {
    // Refusals are the contract's documented layout rules (e.g. a contiguous KV cache), not the rule.
    expect(refusedByContract.size).toBeLessThan(40);
    expect(stridedRuns).toBeGreaterThan(400);
  });
});
