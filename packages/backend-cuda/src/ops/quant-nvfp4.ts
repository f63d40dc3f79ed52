import type { KernelFn, Tensor } from '@gemmkit/core';
import { outTensor, rtOf } from './common.js';
import { launchQuantFp4 } from './quant-fp4.js';
import { launchAmax } from './quant-launch.js';

/** quantNvfp4: global scale given or f32(2688 / max(amax, eps)) from a device amax pass; e4m3 scale per 16. */
export const quantNvfp4: KernelFn<'quantNvfp4'> = (plan, args, kctx) => {
  const globalScale = outTensor(kctx, args.outGlobalScale, 'f32', [1]);
  let amax: { word: Tensor; ptr: bigint } | undefined;
  if (!args.globalScale) amax = launchAmax(kctx, 'quantNvfp4', args.x);
  const { data, scale } = launchQuantFp4(kctx, {
    op: 'quantNvfp4',
    plan,
    x: args.x,
    out: args.out,
    outScale: args.outScale,
    nvfp4: true,
    globalIn: args.globalScale,
    amaxPtr: amax?.ptr,
    globalOut: globalScale,
    eps: plan.eps,
    mxRounding: 0,
  });
  // With no rows the kernel never ran: still publish g.
  if (plan.rows * plan.k === 0) {
    const rt = rtOf(kctx);
    const g = args.globalScale ? undefined : 2688 / Math.max(0, plan.eps);
    if (g !== undefined)
      rt.upload(
        rt.tensorAddress(globalScale, 'quantNvfp4.outGlobalScale'),
        new Uint8Array(new Float32Array([g]).buffer),
      );
    else if (args.globalScale)
      rt.copy(
        rt.tensorAddress(globalScale, 'quantNvfp4.outGlobalScale'),
        rt.tensorAddress(args.globalScale, 'quantNvfp4.globalScale'),
        4,
      );
  }
  amax?.word.dispose();
  return {
    data,
    scale: { tensor: scale, granularity: [1, 1, 16], major: 'K', encoding: 'e4m3', layout: plan.layout },
    globalScale,
  };
};
