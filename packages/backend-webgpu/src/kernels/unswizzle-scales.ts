import type { KernelFn } from '@gemmkit/core';
import { fp4ScaleIndex } from './fp4-scale.js';
import { outputOf, runtimeOf } from './launch.js';
import { launchMap } from './map-launch.js';
import { linearAt, Params } from './params.js';

/** 128x4 swizzled bytes → linear [rows, cols]. */
export const unswizzleScales: KernelFn<'unswizzleScales'> = (plan, args, kctx) => {
  const rt = runtimeOf(kctx);
  const out = outputOf(kctx, args.out, plan.dtype, [plan.rows, plan.cols]);
  const p = new Params();
  const C = p.u32(plan.cols);
  const CP = p.u32(Math.ceil(plan.cols / 4) * 4);
  const sOff = p.u32(args.scale.offset);
  const dst = linearAt(p, out, 'i');
  const src = fp4ScaleIndex('swizzle128x4', sOff, CP, 'r', 'c', () => '');
  // The swizzled input is 1-D: its stride scales the byte position.
  const stride = p.u32(args.scale.strides[0] ?? 1);
  const body = `fn item(i: u32) {
  let r = i / ${C}; let c = i % ${C};
  let at = ${sOff} + (${src} - ${sOff}) * ${stride};
  O_put8(${dst}, S_u8(at));
}`;
  launchMap(rt, {
    op: 'unswizzleScales',
    operands: [
      { name: 'S', t: args.scale, arg: 'unswizzleScales.scale' },
      { name: 'O', t: out, arg: 'unswizzleScales.out', write: true, atomic: true },
    ],
    params: p,
    body,
    count: plan.rows * plan.cols,
  });
  return out;
};
