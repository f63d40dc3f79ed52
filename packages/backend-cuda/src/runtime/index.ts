/** What the op launchers (src/ops) import: the runtime, the launch API and the helpers around them. */

export type { DevicePtr } from '../bindings/types.js';
export type { KernelArg } from './args.js';
export type { DeviceInfo } from './device.js';
export { CudaKernel, type KernelSpec, type LaunchOptions } from './launch.js';
export { cudaRuntimeOf } from './registry.js';
export { CudaRuntime } from './runtime.js';
export type { StatusWord } from './status.js';
export type { TensorMap, TensorMapOptions } from './tensor-map.js';
