import { type DType, fail, type KernelContext, Tensor } from '@gemmkit/core';
import { type CudaRuntime, cudaRuntimeOf } from '../runtime/index.js';
import { GEMM_PARAMS_BYTES, type GemmParams, packGemmParams } from './gemm-params.js';
import { GEMM_TILES, type GemmKey, gemmInstance, type KernelInstance } from './instances.js';

export const rtOf = (kctx: KernelContext): CudaRuntime => cudaRuntimeOf(kctx.backend);
export const cdiv = (a: number, b: number): number => Math.ceil(a / b);

/** Device address of a tensor's element 0, or 0n (nullptr) when absent. */
export function addr(rt: CudaRuntime, t: Tensor | undefined, arg: string): bigint {
  return t ? rt.tensorAddress(t, arg) : 0n;
}

/** The caller's output tensor, or a new one on this backend. */
export function outTensor(
  kctx: KernelContext,
  out: Tensor | undefined,
  dtype: DType,
  shape: readonly number[],
): Tensor {
  return out ?? kctx.backend.empty(dtype, shape);
}

/** Fail with E_LAYOUT unless `t` is densely row-major (the kernel indexes it as such). */
export function requireContiguous(t: Tensor, arg: string): void {
  let s = 1;
  for (let i = t.shape.length - 1; i >= 0; i--) {
    if (t.shape[i] !== 1 && t.strides[i] !== s)
      fail('E_LAYOUT', 'the CUDA kernel needs this tensor densely row-major', {
        arg,
        expected: 'contiguous strides',
        actual: t.strides,
      });
    s *= t.shape[i];
  }
}

/** Row-major view with explicit strides over fresh storage of `elements` elements. */
export function stridedEmpty(
  kctx: KernelContext,
  dtype: DType,
  shape: readonly number[],
  strides: readonly number[],
  elements: number,
): Tensor {
  const base = kctx.backend.empty(dtype, [elements]);
  return new Tensor(dtype, shape, base.storage, strides, 0);
}

/** Scalar kernel arguments. */
export const i32 = (v: number) => ({ i32: v });
export const i64 = (v: number) => ({ i64: v });
export const f64 = (v: number) => ({ f64: v });

/** Compile (cached) and launch one entry point of a non-GEMM kernel file from KERNEL_INSTANCES. */
export function kernelFrom(rt: CudaRuntime, inst: KernelInstance, name: string) {
  if (!inst.names.includes(name))
    fail('E_UNSUPPORTED', 'kernel entry point is not in the instantiation list', {
      arg: inst.file,
      expected: inst.names,
      actual: name,
    });
  return rt.getKernel({ file: inst.file, name, defines: inst.defines });
}

/**
 * The GEMM launches' parameter bytes, reused: `kernel.launch` copies argument bytes into its own arena
 * before it returns. A new 328-byte array per launch cost ~3 µs of host time (an off-heap ArrayBuffer
 * allocation in V8 plus its share of garbage collection), more than packing the struct.
 */
const PARAMS_SCRATCH = new Uint8Array(GEMM_PARAMS_BYTES);

/**
 * Launch the universal GEMM (kernels/common/gemm_core.cuh): picks the instantiation for `key` on this device's
 * arch (native FP8 mma from SM89, bf16 conversion below), grid = (N tiles, M tiles, z).
 */
export function launchGemm(
  kctx: KernelContext,
  op: string,
  key: GemmKey,
  p: GemmParams,
  mRows: number,
  z: number,
  strideM = true,
): void {
  const rt = rtOf(kctx);
  const inst = gemmInstance(key, rt.device.arch);
  const tile = GEMM_TILES[key.cfg];
  // Strided mappings loop over M tiles, so grid.y may be capped; ragged-M owns one tile per CTA.
  let my = Math.max(1, cdiv(mRows, tile.bm));
  if (my > 65535) {
    if (!strideM)
      fail('E_RANGE', 'too many M tiles for one launch', {
        arg: op,
        expected: `<= ${65535 * tile.bm} rows`,
        actual: mRows,
      });
    my = 65535;
  }
  if (z > 65535 || z < 1)
    fail('E_RANGE', 'batch / group count out of launch range', {
      arg: op,
      expected: '[1, 65535]',
      actual: z,
    });
  const nx = Math.max(1, cdiv(p.n, tile.bn));
  const k = rt.getKernel(inst.spec);
  k.launch({
    grid: [nx, my, z],
    block: [tile.threads],
    args: [{ bytes: packGemmParams(p, PARAMS_SCRATCH), align: 8 }, rt.status.arg(op)],
  });
}

/**
 * Tile choice (GEMM_TILES): the 16-row tile for decode-like M; otherwise 'promote' (block-scaled) uses 128x64,
 * 'half' uses 64x64 when 128x128 tiles would leave the GPU mostly idle, 'big' (fp8 epilogue / fp4) 128x128,
 * 'moe' 128x64 or 64x64 (never 16 rows: overlap signals count 64-row blocks).
 */
export function pickTile(kind: 'promote' | 'half' | 'big' | 'moe', m: number, n: number): 0 | 1 | 2 | 3 {
  if (kind === 'moe') return m <= 64 ? 1 : 3;
  if (m <= 32) return 2;
  if (kind === 'promote') return 3;
  if (kind === 'half' && cdiv(m, 128) * cdiv(n, 128) < 64) return 1;
  return 0;
}
