import { fail, type KernelFn } from '@gemmkit/core';
import { outputTensor, readInts, scatterBytes } from '../host.js';

/** Reference gather: exact byte copy of each source row, zero bytes for padding rows. */
export const moePermute: KernelFn<'moePermute'> = (plan, args, kctx) => {
  const { tokens: T, rows: M, width: H, elemBytes: eb } = plan;
  const src = args.x.hostBytes();
  const tokenOf = readInts(args.tokenOf, 'moePermute.tokenOf');
  const rowBytes = H * eb;
  const dst = new Uint8Array(M * rowBytes);
  for (let r = 0; r < M; r++) {
    const t = tokenOf[r];
    if (t === -1) continue;
    if (!(t >= 0 && t < T))
      fail('E_RANGE', 'source token out of range', {
        arg: 'moePermute.tokenOf',
        expected: `-1 or [0, ${T})`,
        actual: `${t} at row ${r}`,
      });
    dst.set(src.subarray(t * rowBytes, (t + 1) * rowBytes), r * rowBytes);
  }
  const out = outputTensor(kctx, args.out, args.x.dtype, [M, H]);
  scatterBytes(out, dst);
  return out;
};
