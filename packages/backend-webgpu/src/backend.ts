/// <reference types="@webgpu/types" />
import {
  type Backend,
  type BackendFactory,
  type Capabilities,
  type DType,
  dtypeBytes,
  fail,
  numelOf,
  type OpName,
  type Shape,
  Tensor,
} from '@gemmkit/core';
import { kernels } from './kernels/index.js';
import { acquireDevice, type WebGpuOptions } from './runtime/device.js';
import { fillWords } from './runtime/fill.js';
import { type KernelTiming, Runtime } from './runtime/runtime.js';
import { selfTestSubgroupMatrix } from './runtime/sgm-self-test.js';
import { WebGpuStorage } from './runtime/storage.js';
import { detectSubgroupMatrix, type SubgroupMatrixSupport } from './runtime/subgroup-matrix.js';

/** A live webgpu backend: the core Backend plus its runtime, GPU timings and the chosen GEMM paths. */
export interface WebGpuBackend extends Backend {
  readonly runtime: Runtime;
  /** The subgroup-matrix config + spelling in use by the f16 GEMM path (null: f32 family only). */
  readonly subgroupMatrix: SubgroupMatrixSupport | null;
  /** Per-dispatch GPU timestamps on/off (false when the adapter lacks 'timestamp-query'). */
  setProfiling(on: boolean): boolean;
  /** Kernel timings gathered since the last call; call after `sync()`. */
  takeTimings(): KernelTiming[];
}

/** Poison word per float dtype (NaN in every element of the word); others are zero-filled. */
const POISON: Partial<Record<DType, number>> = {
  f32: 0x7fc00000,
  f16: 0x7e007e00,
  bf16: 0x7fc07fc0,
  e4m3: 0x7f7f7f7f,
  e5m2: 0x7f7f7f7f,
};

/**
 * WebGPU backend factory (priority 20): Dawn through the optional `webgpu` package in Node, `navigator.gpu`
 * in browsers. `create()` throws GemmkitError('E_DEVICE', reason) when no adapter/device can be had.
 */
export function webgpu(options: WebGpuOptions = {}): BackendFactory {
  return {
    name: 'webgpu',
    priority: 20,
    create: () => createWebGpuBackend(options),
  };
}

async function createWebGpuBackend(options: WebGpuOptions): Promise<WebGpuBackend> {
  const gpu = await acquireDevice(options);
  const rt = new Runtime(gpu);
  let sgm: SubgroupMatrixSupport | null = null;
  if (
    options.subgroupMatrix === true &&
    gpu.features.subgroupMatrix &&
    gpu.features.shaderF16 &&
    gpu.features.subgroups
  ) {
    try {
      sgm = await detectSubgroupMatrix(rt);
    } catch {
      sgm = null; // the f32 path stays correct everywhere
    }
  }
  const ops = (Object.keys(kernels) as OpName[]).filter((k) => kernels[k] !== undefined);
  const dtypes: DType[] = ['f32', 'f16', 'bf16', 'e4m3', 'e5m2', 'e2m1x2', 'ue8m0', 'i8', 'u8', 'i32', 'i64'];
  const capabilities: Capabilities = {
    ops,
    dtypes,
    device: gpu.name,
    arch: 'webgpu',
    features: {
      shaderF16: gpu.features.shaderF16,
      subgroups: gpu.features.subgroups,
      timestampQuery: gpu.features.timestampQuery,
      subgroupMatrix: sgm ? `${sgm.config.M}x${sgm.config.N}x${sgm.config.K} ${sgm.syntax}` : false,
      subgroupMatrixGemm: false,
      maxStorageBufferBindingSize: gpu.limits.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: gpu.limits.maxComputeWorkgroupStorageSize,
    },
  };
  const backend: WebGpuBackend = {
    name: 'webgpu',
    storageDevice: 'webgpu',
    capabilities,
    kernels,
    runtime: rt,
    get subgroupMatrix() {
      return rt.sgm;
    },
    empty(dtype: DType, shape: Shape): Tensor {
      rt.live();
      const bytes = numelOf(shape) * dtypeBytes(dtype);
      if (bytes > gpu.limits.maxStorageBufferBindingSize)
        fail('E_OOM', 'tensor larger than one WebGPU storage binding', {
          arg: 'shape',
          expected: `<= ${gpu.limits.maxStorageBufferBindingSize} bytes`,
          actual: `${bytes} bytes`,
        });
      const storage = new WebGpuStorage(rt, bytes);
      const words = Math.ceil(bytes / 4);
      if (words > 0) fillWords(rt, storage.buffer, words, POISON[dtype] ?? 0);
      return new Tensor(dtype, shape, storage);
    },
    fromHost(t: Tensor): Tensor {
      rt.live();
      if (t.device !== 'host')
        fail('E_DEVICE', `cannot copy a '${t.device}' tensor directly; use 'await t.toHost()' first`, {
          arg: 'tensor',
          expected: 'host',
          actual: t.device,
        });
      const bytes = t.hostBytes();
      const storage = new WebGpuStorage(rt, bytes.byteLength);
      rt.upload(storage.buffer, 0, bytes);
      return new Tensor(t.dtype, t.shape, storage);
    },
    sync: () => rt.sync(),
    async dispose() {
      await rt.dispose();
    },
    setProfiling: (on: boolean) => rt.setProfiling(on),
    takeTimings: () => rt.takeTimings(),
  };
  // The f16 subgroup-matrix GEMM is used only after it reproduces the f32 family on this device.
  if (sgm) {
    const test = await selfTestSubgroupMatrix(backend, sgm);
    const features = capabilities.features as Record<string, unknown>;
    features.subgroupMatrixGemm = test.ok;
    if (test.reason) features.subgroupMatrixGemmError = test.reason;
  }
  return backend;
}
