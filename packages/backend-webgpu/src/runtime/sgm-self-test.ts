import { contracts, type KernelContext, Tensor } from '@gemmkit/core';
import type { WebGpuBackend } from '../backend.js';
import { bmmFp16 } from '../kernels/bmm-fp16.js';
import type { SubgroupMatrixSupport } from './subgroup-matrix.js';

/** A small f16 GEMM whose values and sums are exact in f32, as f16 bits (values k/8 for k in [-8, 8]). */
function operand(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const bits = new Uint16Array(n);
  const f16 = [0, 0x3000, 0x3400, 0x3600, 0x3800, 0x3900, 0x3a00, 0x3b00, 0x3c00];
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const v = (s >>> 16) % 17;
    bits[i] = v >= 8 ? f16[v - 8] : 0x8000 | f16[8 - v];
  }
  return Tensor.host('f16', shape, new Uint8Array(bits.buffer));
}

/**
 * Run one GEMM on the subgroup-matrix path and on the f32 family; keep the path only when it compiles, runs
 * and agrees exactly (the products and sums are exact in f16·f16→f32). Any failure leaves rt.sgm null.
 */
export async function selfTestSubgroupMatrix(
  be: WebGpuBackend,
  sgm: SubgroupMatrixSupport,
): Promise<boolean> {
  const rt = be.runtime;
  const kctx: KernelContext = { backend: be, validate: 'fast' };
  const a = be.fromHost(operand([1, 80, 48], 1));
  const b = be.fromHost(operand([1, 48, 72], 2));
  const args = { a, b, outDtype: 'f16' as const };
  const plan = contracts.bmmFp16.validate(args, 'fast');
  try {
    rt.sgm = sgm;
    const x = bmmFp16(plan, args, kctx);
    rt.sgm = null;
    const y = bmmFp16(plan, args, kctx);
    await be.sync();
    const [hx, hy] = [await x.toHost(), await y.toHost()];
    const same = hx.hostBytes().every((v, i) => v === hy.hostBytes()[i]);
    rt.sgm = same ? sgm : null;
    return same;
  } catch {
    rt.sgm = null;
    return false;
  }
}
