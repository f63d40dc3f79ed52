import type { KernelContext, Tensor } from '@gemmkit/core';
import { loadExpr } from '../wgsl/common.js';
import { bufferOf, runtimeOf } from './launch.js';
import { launchMap } from './map-launch.js';
import { linearAt, Params } from './params.js';

/**
 * max |x| over a whole tensor into a new f32 [1] tensor: |x| bit patterns are ordered like the values, so an
 * atomicMax on the u32 bits reduces exactly.
 */
export function tensorAmax(kctx: KernelContext, x: Tensor, op: string): Tensor {
  const rt = runtimeOf(kctx);
  const amax = kctx.backend.empty('f32', [1]);
  rt.clear(bufferOf(rt, amax, `${op}.amax`), 0, 4);
  const p = new Params();
  const xi = linearAt(p, x, 'i');
  launchMap(rt, {
    op: `${op}.amax`,
    operands: [
      { name: 'X', t: x, arg: `${op}.x` },
      { name: 'T', t: amax, arg: `${op}.amax`, write: true, atomic: true },
    ],
    params: p,
    body: `fn item(i: u32) { atomicMax(&T[0], bitcast<u32>(abs(${loadExpr('X', x.dtype, xi)}))); }`,
    count: x.numel,
  });
  return amax;
}
