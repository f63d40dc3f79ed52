import type { KernelFn } from '@gemmkit/core';
import { runtimeOf } from './launch.js';
import { launchMap } from './map-launch.js';
import { linearAt, Params } from './params.js';
import { scaleOutput } from './quant-fp8-blocks.js';

/** Same values into MN-major TMA-aligned storage (padding zero when allocated here). */
export const scaleToMnMajor: KernelFn<'scaleToMnMajor'> = (plan, args, kctx) => {
  const rt = runtimeOf(kctx);
  const out = scaleOutput(kctx, args.out, plan.dtype, plan.shape, 'MN');
  const p = new Params();
  const src = linearAt(p, args.scale, 'i');
  const dst = linearAt(p, out, 'i');
  const f32 = plan.dtype === 'f32';
  const body = f32
    ? `fn item(i: u32) { O[${dst}] = S[${src}]; }`
    : `fn item(i: u32) { O_put8(${dst}, S_u8(${src})); }`;
  launchMap(rt, {
    op: 'scaleToMnMajor',
    operands: [
      { name: 'S', t: args.scale, arg: 'scaleToMnMajor.scale' },
      { name: 'O', t: out, arg: 'scaleToMnMajor.out', write: true, atomic: !f32 },
    ],
    params: p,
    body,
    count: out.numel,
  });
  return out;
};
