import { type Backend, fail } from '@gemmkit/core';
import type { CudaRuntime } from './runtime.js';

/** Backend → runtime, kept here (not in backend.ts) so launchers can import it without an import cycle. */
const runtimes = new WeakMap<Backend, CudaRuntime>();

export function registerRuntime(backend: Backend, rt: CudaRuntime): void {
  runtimes.set(backend, rt);
}

/** The CudaRuntime behind a cuda Backend (e.g. `cudaRuntimeOf(kctx.backend)` in a launcher). */
export function cudaRuntimeOf(backend: Backend): CudaRuntime {
  const rt = runtimes.get(backend);
  if (!rt)
    fail('E_DEVICE', 'not a CUDA backend', { arg: 'backend', expected: 'cuda', actual: backend?.name });
  return rt;
}
