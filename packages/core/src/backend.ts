import type { DType } from './dtype.js';
import type { OpArgs, OpName, OpPlan, OpResult } from './ops/index.js';
import type { Shape, Tensor } from './tensor.js';

/** What a backend can do, for `gemmkit info`, dispatch and tests. */
export interface Capabilities {
  /** Ops with a kernel on this backend. */
  readonly ops: readonly OpName[];
  readonly dtypes: readonly DType[];
  /** Device name, e.g. "NVIDIA H200" or "llvmpipe (Vulkan)". */
  readonly device: string;
  /** Architecture tag, e.g. "sm_90a", "x86_64". */
  readonly arch: string;
  /** Free-form feature flags (shader-f16, subgroup-matrix, tma, wgmma...). */
  readonly features: Readonly<Record<string, boolean | number | string>>;
}

/** Passed to every kernel. */
export interface KernelContext {
  readonly backend: Backend;
  readonly validate: 'full' | 'fast';
}

export type KernelFn<K extends OpName> = (
  plan: OpPlan<K>,
  args: OpArgs<K>,
  ctx: KernelContext,
) => OpResult<K>;
export type KernelTable = { readonly [K in OpName]?: KernelFn<K> };

/** A live backend: owns its device memory, queues and caches. Created by a BackendFactory. */
export interface Backend {
  readonly name: string;
  /** `Storage.device` of tensors this backend computes on ('host' for the CPU backend). */
  readonly storageDevice: string;
  readonly capabilities: Capabilities;
  readonly kernels: KernelTable;
  /** Uninitialized tensor on this backend. */
  empty(dtype: DType, shape: Shape): Tensor;
  /** Copy a tensor (any device) onto this backend; may enqueue asynchronously. */
  fromHost(t: Tensor): Tensor;
  /** Wait for queued work; throws the device status error (bad index data) if one was raised. */
  sync(): Promise<void>;
  dispose(): void | Promise<void>;
}

export interface BackendFactory {
  readonly name: string;
  /** Higher is preferred by `prefer: 'auto'`. cuda 30, webgpu 20, cpu 10. */
  readonly priority: number;
  /** Probe and create. Throws GemmkitError(E_DEVICE or E_UNSUPPORTED) naming why it is unavailable. */
  create(): Promise<Backend>;
}

/** Availability of one backend as seen by a context. */
export interface BackendStatus {
  readonly name: string;
  readonly available: boolean;
  readonly priority: number;
  readonly reason?: string;
  readonly capabilities?: Capabilities;
}
