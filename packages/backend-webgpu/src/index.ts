export { type WebGpuBackend, webgpu } from './backend.js';
export { kernels } from './kernels/index.js';
export type { AcquiredDevice, SubgroupMatrixConfig, WebGpuOptions } from './runtime/device.js';
export { DEFAULT_DAWN_FLAGS } from './runtime/device.js';
export type { KernelTiming } from './runtime/runtime.js';
export type { SubgroupMatrixSupport, SubgroupMatrixSyntax } from './runtime/subgroup-matrix.js';
export { WGSL_CODEC } from './wgsl/codec.js';
