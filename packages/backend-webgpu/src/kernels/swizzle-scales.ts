import type { KernelFn } from '@gemmkit/core';
import { outputOf, runtimeOf } from './launch.js';
import { launchMap } from './map-launch.js';
import { linearAt, Params } from './params.js';

/** Linear [R, C] bytes → 128x4 swizzled bytes: each output byte finds its source (or 0 for padding). */
export const swizzleScales: KernelFn<'swizzleScales'> = (plan, args, kctx) => {
  const rt = runtimeOf(kctx);
  const out = outputOf(kctx, args.out, plan.dtype, [plan.size]);
  const p = new Params();
  const R = p.u32(plan.rows);
  const C = p.u32(plan.cols);
  const CP4 = p.u32(Math.ceil(plan.cols / 4));
  const O = p.u32(out.offset);
  const src = linearAt(p, args.scale, `r * ${C} + c`);
  const body = `fn item(i: u32) {
  let blk = i / 512u; let w = i % 512u;
  let r = (blk / ${CP4}) * 128u + ((w % 16u) / 4u) * 32u + w / 16u;
  let c = (blk % ${CP4}) * 4u + w % 4u;
  var v = 0u;
  if (r < ${R} && c < ${C}) { v = S_u8(${src}); }
  O_put8(${O} + i, v);
}`;
  launchMap(rt, {
    op: 'swizzleScales',
    operands: [
      { name: 'S', t: args.scale, arg: 'swizzleScales.scale' },
      { name: 'O', t: out, arg: 'swizzleScales.out', write: true, atomic: true },
    ],
    params: p,
    body,
    count: plan.size,
  });
  return out;
};
