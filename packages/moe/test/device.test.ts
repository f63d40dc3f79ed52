import { cpu } from '@gemmkit/backend-cpu';
import { cuda } from '@gemmkit/backend-cuda';
import { webgpu } from '@gemmkit/backend-webgpu';
import {
  type Context,
  createContext,
  decodeToFloat64,
  Random,
  randomTensor,
  type Tensor,
  tensorFrom,
} from '@gemmkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  contiguousLayout,
  layoutOnDevice,
  permute,
  permuteOnDevice,
  routeOnDevice,
  topkRouting,
  unpermute,
  unpermuteOnDevice,
} from '../src/index.js';

// The device path (moeTopk / moeAlignLayout / moePermute / moeUnpermute through gk.ops) against the host
// helpers it replaces, on every available backend (webgpu on lavapipe in CI, and cpu).

let gk: Context;
let backends: string[];
beforeAll(async () => {
  gk = await createContext({ backends: [cuda(), webgpu(), cpu()] });
  backends = gk.status.filter((s) => s.available).map((s) => s.name);
});
afterAll(() => gk.dispose());

const T = 40;
const E = 16;
const K = 4;
const ints = async (t: Tensor) => [...new Int32Array((await t.toHost()).hostBytes().slice().buffer)];
const vals = async (t: Tensor) => [...decodeToFloat64(t.dtype, (await t.toHost()).hostBytes())];

function logits(seed: number): Tensor {
  const rng = new Random(seed);
  const v: number[] = [];
  for (let t = 0; t < T; t++) {
    const perm = Array.from({ length: E }, (_, e) => e).sort(() => rng.uniform() - 0.5);
    for (let e = 0; e < E; e++) v.push(perm[e] * 0.1 + rng.uniform() * 1e-3);
  }
  return tensorFrom('f32', [T, E], v);
}

describe('device path vs host helpers', () => {
  it('routing, layout, permute and the weighted combine agree on every backend', async () => {
    const lg = logits(3);
    const bias = tensorFrom(
      'f32',
      [E],
      Array.from({ length: E }, (_, e) => ((e * 5) % 7) * 0.03),
    );
    const routing = { topK: K, scoring: 'sigmoid', scale: 2, bias, numGroups: 4, topkGroup: 2 } as const;
    const host = topkRouting(lg, routing);
    const hl = contiguousLayout(host.topkIds, E, { alignment: 16 });
    const x = randomTensor('bf16', [T, 48], { seed: 4 });
    const hx = permute(x, hl);
    const y = randomTensor('bf16', [hl.totalRows, 48], { seed: 5 });
    const hy = unpermute(y, hl, { topkWeights: host.topkWeights, outDtype: 'f32' });
    expect(backends).toContain('cpu');
    for (const backend of backends) {
      const on = { backend };
      const r = routeOnDevice(gk, lg, routing, on);
      const l = layoutOnDevice(gk, r.topkIds, E, { ...on, alignmentM: 16 });
      const px = permuteOnDevice(gk, x, l, on);
      // The device layout allocates the static bound of rows; the host one exactly totalRows.
      const yy = gk.ops.moePermute(
        {
          x: gk.to(y, backend),
          tokenOf: gk.to(
            tensorFrom(
              'i32',
              [l.tokenOf.shape[0]],
              Array.from({ length: l.tokenOf.shape[0] }, (_, i) => (i < hl.totalRows ? i : -1)),
            ),
            backend,
          ),
        },
        on,
      );
      const out = unpermuteOnDevice(gk, yy, l, { ...on, topkWeights: r.topkWeights, outDtype: 'f32' });
      expect(await ints(r.topkIds), backend).toEqual(await ints(host.topkIds));
      const w = await vals(r.topkWeights);
      (await vals(host.topkWeights)).forEach((v, i) => expect(Math.abs(w[i] - v)).toBeLessThan(1e-6));
      expect(await ints(l.rowOf), backend).toEqual(await ints(hl.rowOf));
      expect(await ints(l.psum)).toEqual(await ints(hl.psum));
      expect(await ints(l.counts)).toEqual(await ints(hl.counts));
      expect(await ints(l.numRows)).toEqual([hl.totalRows]);
      const mi = await ints(l.mIndices);
      expect(mi.slice(0, hl.totalRows)).toEqual(await ints(hl.mIndices));
      expect(mi.slice(hl.totalRows).every((v) => v === -1)).toBe(true);
      const pxh = (await px.toHost()).hostBytes();
      expect([...pxh.subarray(0, hx.hostBytes().length)]).toEqual([...hx.hostBytes()]);
      const got = await vals(out);
      (await vals(hy)).forEach((v, i) =>
        expect(Math.abs(got[i] - v)).toBeLessThanOrEqual(Math.abs(v) * 1e-6 + 1e-6),
      );
    }
  });
});
