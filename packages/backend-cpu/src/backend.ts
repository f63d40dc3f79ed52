import {
  ALL_DTYPES,
  type Backend,
  type BackendFactory,
  type DType,
  fail,
  nanTensor,
  type OpName,
  type Shape,
  Tensor,
} from '@gemmkit/core';
import { kernels } from './kernels/index.js';
import { withHostStatus } from './status.js';

/** Float dtypes whose fresh tensors start as NaN (ints and packed FP4 start as zero). */
const POISONED: ReadonlySet<DType> = new Set<DType>(['f32', 'f16', 'bf16', 'e4m3', 'e5m2']);

/**
 * The reference backend: host memory, exact decode, float64 accumulation, one rounding to the output dtype.
 * `empty()` fills float tensors with NaN so that an element a kernel forgets to write is visible.
 */
export function cpu(): BackendFactory {
  return {
    name: 'cpu',
    priority: 10,
    async create(): Promise<Backend> {
      return createCpuBackend();
    },
  };
}

const statusKernels = withHostStatus(kernels);

function createCpuBackend(): Backend {
  let disposed = false;
  const live = () => {
    if (disposed) fail('E_DISPOSED', 'cpu backend was disposed', { arg: 'backend' });
  };
  const ops = (Object.keys(kernels) as OpName[]).filter((k) => kernels[k] !== undefined);
  return {
    name: 'cpu',
    storageDevice: 'host',
    capabilities: {
      ops,
      dtypes: ALL_DTYPES,
      device: 'host CPU (JavaScript, float64 reference)',
      arch: typeof process !== 'undefined' && process.arch ? process.arch : 'js',
      features: { float64Accumulation: true, exactDecode: true },
    },
    kernels: statusKernels,
    empty(dtype: DType, shape: Shape): Tensor {
      live();
      return POISONED.has(dtype) ? nanTensor(dtype, shape) : Tensor.host(dtype, shape);
    },
    fromHost(t: Tensor): Tensor {
      live();
      if (t.device !== 'host')
        fail('E_DEVICE', `cannot read a '${t.device}' tensor synchronously; use 'await t.toHost()' first`, {
          arg: 'tensor',
          expected: 'host',
          actual: t.device,
        });
      return Tensor.host(t.dtype, t.shape, t.hostBytes().slice());
    },
    async sync(): Promise<void> {
      live();
    },
    dispose(): void {
      disposed = true;
    },
  };
}
