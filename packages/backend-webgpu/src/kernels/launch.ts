/// <reference types="@webgpu/types" />
import { type DType, fail, type KernelContext, type Shape, type Tensor } from '@gemmkit/core';
import type { Runtime } from '../runtime/runtime.js';
import { WebGpuStorage } from '../runtime/storage.js';

/** The runtime behind a kernel context (kernels only ever run on the backend that owns them). */
export function runtimeOf(kctx: KernelContext): Runtime {
  const rt = (kctx.backend as { runtime?: Runtime }).runtime;
  if (!rt)
    fail('E_DEVICE', 'webgpu kernel called with a non-webgpu backend', {
      arg: 'backend',
      actual: kctx.backend.name,
    });
  return rt;
}

/** The GPUBuffer of a tensor of this runtime. */
export function bufferOf(rt: Runtime, t: Tensor, arg: string): GPUBuffer {
  const s = t.storage;
  if (!(s instanceof WebGpuStorage) || s.runtime !== rt)
    fail('E_DEVICE', 'tensor is not on this webgpu backend', { arg, expected: 'webgpu', actual: t.device });
  if (s.disposed) fail('E_DISPOSED', 'tensor was disposed', { arg });
  return s.buffer;
}

/** `out` when given (already validated by the contract), else a new tensor. */
export function outputOf(kctx: KernelContext, out: Tensor | undefined, dtype: DType, shape: Shape): Tensor {
  return out ?? kctx.backend.empty(dtype, shape);
}

export interface Operand {
  t: Tensor;
  arg: string;
  write?: boolean;
}

/**
 * Bind operands in order (binding 1..n), refusing a written buffer that is also bound elsewhere (WebGPU
 * forbids a writable binding aliasing another one in one dispatch).
 */
export function bindOperands(rt: Runtime, ops: readonly Operand[], status: boolean) {
  const buffers = ops.map((o) => bufferOf(rt, o.t, o.arg));
  ops.forEach((o, i) => {
    if (!o.write) return;
    buffers.forEach((b, j) => {
      if (j !== i && b === buffers[i])
        fail('E_LAYOUT', 'output shares memory with another operand', {
          arg: o.arg,
          expected: 'a separate tensor',
          actual: ops[j].arg,
        });
    });
  });
  const writable = ops.map((o) => !!o.write);
  if (status) {
    buffers.push(rt.status);
    writable.push(true);
  }
  return { buffers, writable };
}

/** f32 bit pattern as a u32 param word. */
export function f32Word(x: number): number {
  const f = new Float32Array([x]);
  return new Uint32Array(f.buffer)[0];
}

export const cdiv = (a: number, b: number) => Math.ceil(a / b);

/** Up to 65535 x 65535 workgroups for a 1-D count (kernels recover the index as y * 65535 + x). */
export function grid1d(groups: number): [number, number, number] {
  if (groups <= 65535) return [Math.max(groups, 0), 1, 1];
  return [65535, Math.ceil(groups / 65535), 1];
}
