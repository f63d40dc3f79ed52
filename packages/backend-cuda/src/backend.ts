import {
  ALL_DTYPES,
  type Backend,
  type BackendFactory,
  type Capabilities,
  dtypeBytes,
  fail,
  HostStorage,
  type KernelContext,
  type KernelFn,
  type KernelTable,
  numelOf,
  type OpName,
  Tensor,
} from '@gemmkit/core';
import { kernels as opKernels } from './ops/index.js';
import { launchSm90BmmFp8, sm90BmmFp8Applies } from './ops/sm90/bmm-fp8-sm90.js';
import { tryBmmFp8, tryBmmFp16 } from './runtime/blas-ops.js';
import { cudaRuntimeOf, registerRuntime } from './runtime/registry.js';
import { type CudaOptions, CudaRuntime } from './runtime/runtime.js';
import { CudaStorage } from './runtime/storage.js';

export { cudaRuntimeOf };

/** The CUDA Backend: a gemmkit Backend plus the runtime the op launchers use. */
export interface CudaBackend extends Backend {
  readonly runtime: CudaRuntime;
}

const rtOf = (kctx: KernelContext) => cudaRuntimeOf(kctx.backend);

/** cuBLASLt first, then the hand-written kernel from src/ops, else E_UNSUPPORTED naming why. */
function withFallback<K extends OpName>(
  op: K,
  primary: (kctx: KernelContext, plan: any, args: any) => unknown,
  fallback: KernelFn<K> | undefined,
): KernelFn<K> {
  return ((plan: any, args: any, kctx: KernelContext) => {
    const r = primary(kctx, plan, args);
    if (typeof r !== 'string') return r;
    if (fallback) return fallback(plan, args, kctx);
    return fail(
      'E_UNSUPPORTED',
      `${op}: not supported by cuBLASLt here (${r}) and no CUDA kernel is registered`,
      {
        arg: op,
        expected: 'a problem cuBLASLt can run',
        actual: r,
      },
    );
  }) as KernelFn<K>;
}

export function buildKernelTable(): KernelTable {
  const table: Record<string, unknown> = { ...opKernels };
  table.bmmFp16 = withFallback('bmmFp16', (k, p, a) => tryBmmFp16(rtOf, p, a, k), opKernels.bmmFp16);
  const bmmFp8 = withFallback('bmmFp8', (k, p, a) => tryBmmFp8(rtOf, p, a, k), opKernels.bmmFp8);
  // cuBLASLt's per-tensor FP8 GEMM was faster than the sm90 block-scaled kernel on every benchmarked shape;
  // the sm90 route is opt-in (GEMMKIT_SM90_BMM_FP8=1, see sm90BmmFp8Applies).
  table.bmmFp8 = ((plan, args, kctx) =>
    sm90BmmFp8Applies(rtOf(kctx), plan, args)
      ? launchSm90BmmFp8(rtOf(kctx), kctx, plan, args)
      : bmmFp8(plan, args, kctx)) as KernelFn<'bmmFp8'>;
  return table as KernelTable;
}

export function createCudaBackend(rt: CudaRuntime): CudaBackend {
  const kernels = buildKernelTable();
  const d = rt.device;
  let jit: string;
  try {
    jit = rt.compiler.backend().id;
  } catch (e) {
    jit = `none (${(e as Error).message})`;
  }
  const capabilities: Capabilities = {
    ops: Object.keys(kernels) as OpName[],
    dtypes: ALL_DTYPES,
    device: d.name,
    arch: d.arch,
    features: {
      computeCapability: `${d.cc[0]}.${d.cc[1]}`,
      smCount: d.smCount,
      l2Bytes: d.l2Bytes,
      maxSharedOptin: d.maxSharedOptin,
      totalMemBytes: d.totalMemBytes,
      driverVersion: d.driverVersion,
      tma: d.cc[0] >= 9,
      wgmma: d.arch === 'sm_90a',
      clusters: d.clusterLaunch,
      fp8Mma: d.cc[0] * 10 + d.cc[1] >= 89,
      jit,
    },
  };
  const backend: CudaBackend = {
    name: 'cuda',
    storageDevice: 'cuda',
    capabilities,
    kernels,
    runtime: rt,
    empty(dtype, shape) {
      return new Tensor(dtype, shape, rt.alloc(numelOf(shape) * dtypeBytes(dtype)));
    },
    fromHost(t) {
      if (t.device === 'cuda' && t.storage instanceof CudaStorage && t.storage.owner === rt) return t;
      if (!(t.storage instanceof HostStorage))
        fail('E_DEVICE', 'fromHost needs a host tensor; move it with `await t.toHost()` first', {
          arg: 'tensor',
          expected: 'host',
          actual: t.device,
        });
      // hostBytes() gathers strided views into row-major order: the device copy is contiguous.
      const bytes = t.hostBytes();
      const out = new Tensor(t.dtype, t.shape, rt.alloc(bytes.byteLength));
      if (bytes.byteLength > 0) rt.upload(rt.tensorAddress(out), bytes);
      return out;
    },
    sync: () => rt.sync(),
    dispose: () => rt.dispose(),
  };
  registerRuntime(backend, rt);
  return backend;
}

/**
 * The CUDA backend factory (priority 30). Importing is side-effect free; `create()` loads libcuda via koffi
 * and throws GemmkitError('E_DEVICE', reason) where there is no driver or device.
 */
export function cuda(options: CudaOptions = {}): BackendFactory {
  return {
    name: 'cuda',
    priority: 30,
    async create() {
      return createCudaBackend(CudaRuntime.create(options));
    },
  };
}
