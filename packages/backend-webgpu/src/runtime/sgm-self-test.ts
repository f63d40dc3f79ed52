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
 * and agrees exactly (the products and sums are exact in f16·f16→f32). Any failure leaves rt.sgm null and
 * says why (shown as capabilities.features.subgroupMatrixGemmError).
 */
export async function selfTestSubgroupMatrix(
  be: WebGpuBackend,
  sgm: SubgroupMatrixSupport,
): Promise<{ ok: boolean; reason?: string }> {
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
    const bx = hx.hostBytes();
    const by = hy.hostBytes();
    const bad = bx.findIndex((v, i) => v !== by[i]);
    rt.sgm = bad < 0 ? sgm : null;
    return bad < 0 ? { ok: true } : { ok: false, reason: `differs from the f32 family at byte ${bad}` };
  } catch (e) {
    rt.sgm = null;
    return { ok: false, reason: String((e as Error)?.message ?? e).slice(0, 2000) };
  }
}
