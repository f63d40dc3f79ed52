import { calcDiff, randomTensor } from '@gemmkit/core';
import { expect, it } from 'vitest';
import { webgpuContext } from './helpers.js';

it('bmmFp16 smoke', async () => {
  const ctx = (await webgpuContext())!;
  const a = randomTensor('f16', [2, 37, 70], { seed: 1 });
  const b = randomTensor('f16', [2, 70, 45], { seed: 2 });
  const ref = await ctx.ops.bmmFp16({ a, b, outDtype: 'bf16' }, { backend: 'cpu' }).toHost();
  const t0 = Date.now();
  const out = ctx.ops.bmmFp16({ a: ctx.to(a), b: ctx.to(b), outDtype: 'bf16' });
  await ctx.sync();
  const h = await out.toHost();
  console.log(
    'ms',
    Date.now() - t0,
    calcDiff(h, ref),
    h.toFloat32Array().slice(0, 4),
    ref.toFloat32Array().slice(0, 4),
  );
  expect(calcDiff(h, ref)).toBeLessThan(1e-5);
  await ctx.dispose();
});
