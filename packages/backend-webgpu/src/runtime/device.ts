/// <reference types="@webgpu/types" />
import { fail } from '@gemmkit/core';

/** Options of `webgpu(options)`. */
export interface WebGpuOptions {
  /** A GPU object to use instead of `navigator.gpu` / the `webgpu` package (tests, custom Dawn builds). */
  gpu?: GPU;
  /** Adapter power preference. */
  powerPreference?: GPUPowerPreference;
  /** Dawn toggles passed to `create()` in Node (defaults below). */
  dawnFlags?: readonly string[];
  /**
   * Use the f16 subgroup-matrix GEMM path when the adapter offers it and it passes its self-test (default
   * false: on an H100 through Dawn/Vulkan it is correct but 4-5x slower than the f32 family — see docs/webgpu.md).
   */
  subgroupMatrix?: boolean;
}

/** Dawn toggles: unsafe APIs expose subgroup matrices; f16 on NVIDIA Vulkan; unquantized timestamps. */
export const DEFAULT_DAWN_FLAGS = [
  'enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia',
  'disable-dawn-features=timestamp_quantization',
] as const;

/** One `chromium-experimental-subgroup-matrix` configuration from the adapter info. */
export interface SubgroupMatrixConfig {
  componentType: string;
  resultComponentType: string;
  M: number;
  N: number;
  K: number;
}

export interface AcquiredDevice {
  /** Held for the device's lifetime: in Dawn-for-Node, a collected GPU object tears down the instance. */
  gpu: GPU;
  adapter: GPUAdapter;
  device: GPUDevice;
  /** "vendor architecture device description" as reported by the adapter. */
  name: string;
  features: {
    shaderF16: boolean;
    subgroups: boolean;
    timestampQuery: boolean;
    subgroupMatrix: boolean;
  };
  subgroupMatrixConfigs: SubgroupMatrixConfig[];
  /** Subgroup sizes the adapter may use (0 when it does not say). */
  subgroupMinSize: number;
  subgroupMaxSize: number;
  limits: {
    maxStorageBufferBindingSize: number;
    maxBufferSize: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
    maxComputeWorkgroupsPerDimension: number;
    maxStorageBuffersPerShaderStage: number;
  };
}

const SG_MATRIX = 'chromium-experimental-subgroup-matrix';

/** The GPU entry point: the caller's, the browser's, or Dawn's through a lazy `import('webgpu')`. */
async function findGpu(options: WebGpuOptions): Promise<GPU> {
  if (options.gpu) return options.gpu;
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (!isNode)
    fail('E_DEVICE', 'WebGPU is not available in this environment', {
      arg: 'webgpu',
      expected: 'navigator.gpu',
      actual: 'undefined',
    });
  let mod: { create: (flags: string[]) => GPU; globals: object };
  try {
    // A variable specifier keeps bundlers from pulling the native module into browser builds.
    const spec = 'webgpu';
    mod = await import(/* @vite-ignore */ spec);
  } catch (e) {
    return fail('E_DEVICE', "the optional 'webgpu' package (Dawn for Node) could not be loaded", {
      arg: 'webgpu',
      expected: "installed package 'webgpu'",
      actual: e instanceof Error ? e.message : String(e),
      cause: e,
    });
  }
  // Dawn's GPU* classes (GPUBufferUsage, GPUMapMode, ...) are needed as globals by WebGPU code.
  for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as any)[k] = v;
  return mod.create([...(options.dawnFlags ?? DEFAULT_DAWN_FLAGS)]);
}

function readConfigs(info: GPUAdapterInfo): SubgroupMatrixConfig[] {
  const raw = (info as any).subgroupMatrixConfigs as Iterable<any> | undefined;
  if (!raw) return [];
  return [...raw].map((c) => ({
    componentType: String(c.componentType),
    resultComponentType: String(c.resultComponentType),
    M: Number(c.M),
    N: Number(c.N),
    K: Number(c.K),
  }));
}

/** Request an adapter and a device with the adapter's real limits and every feature gemmkit can use. */
export async function acquireDevice(options: WebGpuOptions = {}): Promise<AcquiredDevice> {
  const gpu = await findGpu(options);
  const adapter = await gpu.requestAdapter({
    powerPreference: options.powerPreference ?? 'high-performance',
  });
  if (!adapter)
    fail('E_DEVICE', 'no WebGPU adapter found', {
      arg: 'webgpu',
      expected: 'a GPU adapter (on Linux without a GPU: Mesa lavapipe, mesa-vulkan-drivers)',
      actual: 'null',
    });
  const has = (f: string) => adapter.features.has(f);
  const wanted = ['shader-f16', 'subgroups', 'timestamp-query', SG_MATRIX].filter(has);
  const info = adapter.info;
  const configs = has(SG_MATRIX) ? readConfigs(info) : [];
  const L = adapter.limits;
  const requiredLimits: Record<string, number> = {};
  for (const k of [
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupSizeX',
    'maxComputeWorkgroupSizeY',
    'maxComputeWorkgroupSizeZ',
    'maxComputeWorkgroupsPerDimension',
    'maxStorageBuffersPerShaderStage',
  ] as const)
    requiredLimits[k] = L[k];
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      requiredFeatures: wanted as GPUFeatureName[],
      requiredLimits,
      label: 'gemmkit',
    });
  } catch (e) {
    return fail('E_DEVICE', 'requestDevice failed', {
      arg: 'webgpu',
      actual: e instanceof Error ? e.message : String(e),
      cause: e,
    });
  }
  const name =
    [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(' ') ||
    'WebGPU adapter';
  return {
    gpu,
    adapter,
    device,
    name,
    features: {
      shaderF16: device.features.has('shader-f16'),
      subgroups: device.features.has('subgroups'),
      timestampQuery: device.features.has('timestamp-query'),
      subgroupMatrix: device.features.has(SG_MATRIX) && configs.length > 0,
    },
    subgroupMatrixConfigs: configs,
    subgroupMinSize: Number((info as any).subgroupMinSize ?? 0),
    subgroupMaxSize: Number((info as any).subgroupMaxSize ?? 0),
    limits: {
      maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
      maxBufferSize: device.limits.maxBufferSize,
      maxComputeWorkgroupStorageSize: device.limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: device.limits.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupsPerDimension: device.limits.maxComputeWorkgroupsPerDimension,
      maxStorageBuffersPerShaderStage: device.limits.maxStorageBuffersPerShaderStage,
    },
  };
}
