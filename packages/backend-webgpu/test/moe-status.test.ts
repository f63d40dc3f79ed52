import { cpu } from '@gemmkit/backend-cpu';
import {
  type Context,
  createContext,
  isGemmkitError,
  randomTensor,
  type Tensor,
  tensorFrom,
} from '@gemmkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webgpu } from '../src/index.js';
import { REQUIRE_WEBGPU } from './helpers.js';

// Device-MoE kernels on bad index data (host checks off with validate: 'fast'): the slot/row is skipped or
// zeroed, the status word raises E_RANGE naming the argument at the next sync, and the device keeps working.
// Plus a layout larger than one 256-slot chunk, bit-exact against cpu.

let gk: Context | null = null;
beforeAll(async () => {
  try {
    gk = await createContext({ backends: [webgpu(), cpu()], prefer: 'webgpu', validate: 'fast' });
    if (gk.backend.name !== 'webgpu') throw new Error('webgpu unavailable');
  } catch (e) {
    if (REQUIRE_WEBGPU) throw e;
    gk = null;
  }
});
afterAll(() => gk?.dispose());

const ints = async (t: Tensor) => [...new Int32Array((await t.toHost()).hostBytes().slice().buffer)];

async function expectStatus(arg: string): Promise<void> {
  try {
    await (gk as Context).sync();
    expect.unreachable('sync accepted bad index data');
  } catch (e) {
    expect(isGemmkitError(e, 'E_RANGE')).toBe(true);
    expect((e as { arg?: string }).arg).toBe(arg);
  }
}

describe('device MoE ops on webgpu: bad index data', () => {
  it('moeAlignLayout drops an out-of-range id and raises the status', async (ctx) => {
    if (!gk) return ctx.skip();
    const ids = gk.to(tensorFrom('i32', [3, 2], [0, 1, 99, 1, 2, -5]));
    const l = gk.ops.moeAlignLayout({ topkIds: ids, numExperts: 4, alignmentM: 4 });
    await expectStatus('moeAlignLayout.topkIds');
    expect(await ints(l.rowOf)).toEqual([0, 4, -1, 5, 8, -1]);
    expect(await ints(l.counts)).toEqual([1, 2, 1, 0]);
    // The device still works after the error.
    const ok = gk.ops.moeAlignLayout({
      topkIds: gk.to(tensorFrom('i32', [1, 1], [3])),
      numExperts: 4,
      alignmentM: 4,
    });
    await gk.sync();
    expect(await ints(ok.psum)).toEqual([0, 0, 0, 1]);
  });

  it('moePermute writes a zero row for an out-of-range token and raises the status', async (ctx) => {
    if (!gk) return ctx.skip();
    const x = gk.to(tensorFrom('f32', [2, 3], [1, 2, 3, 4, 5, 6]));
    const out = gk.ops.moePermute({ x, tokenOf: gk.to(tensorFrom('i32', [3], [1, 7, 0])) });
    await expectStatus('moePermute.tokenOf');
    expect([...(await out.toHost()).toFloat32Array()]).toEqual([4, 5, 6, 0, 0, 0, 1, 2, 3]);
  });

  it('moeUnpermute skips an out-of-range row and raises the status', async (ctx) => {
    if (!gk) return ctx.skip();
    const y = gk.to(tensorFrom('f32', [2, 2], [1, 2, 10, 20]));
    const out = gk.ops.moeUnpermute({ y, rowOf: gk.to(tensorFrom('i32', [2, 2], [0, 1, 1, 9])) });
    await expectStatus('moeUnpermute.rowOf');
    expect([...(await out.toHost()).toFloat32Array()]).toEqual([11, 22, 10, 20]);
  });

  it('moeTopk flags a non-finite logit', async (ctx) => {
    if (!gk) return ctx.skip();
    gk.ops.moeTopk({ logits: gk.to(tensorFrom('f32', [1, 3], [0, Number.NaN, 1])), topK: 1 });
    await expectStatus('moeTopk.logits');
  });
});

describe('moeAlignLayout over many chunks', () => {
  it('T=500 k=8 E=256 A=128 matches cpu bit for bit', async (ctx) => {
    if (!gk) return ctx.skip();
    const ids = randomTensor('i32', [500, 8], { seed: 3, dist: 'uniform', low: -1, high: 256 });
    const dev = gk.ops.moeAlignLayout({ topkIds: gk.to(ids), numExperts: 256 });
    const ref = gk.ops.moeAlignLayout({ topkIds: ids, numExperts: 256 }, { backend: 'cpu' });
    await gk.sync();
    for (const k of ['mIndices', 'tokenOf', 'rowOf', 'psum', 'counts', 'numRows'] as const)
      expect(await ints(dev[k]), k).toEqual(await ints(ref[k]));
  });
});
