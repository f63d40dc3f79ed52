/// <reference types="@webgpu/types" />

/** Compute pipelines cached by kernel + specialization key; one shader module per WGSL source. */
export class PipelineCache {
  readonly #device: GPUDevice;
  readonly #pipelines = new Map<string, GPUComputePipeline>();
  readonly #onCompile: (key: string, module: GPUShaderModule, code: string) => void;

  constructor(device: GPUDevice, onCompile: (key: string, module: GPUShaderModule, code: string) => void) {
    this.#device = device;
    this.#onCompile = onCompile;
  }

  get size(): number {
    return this.#pipelines.size;
  }

  /** The pipeline for `key`; `source()` is only called (and compiled) on a miss. */
  get(key: string, source: () => string, writable: readonly boolean[]): GPUComputePipeline {
    const hit = this.#pipelines.get(key);
    if (hit) return hit;
    const code = source();
    const module = this.#device.createShaderModule({ code, label: key });
    this.#onCompile(key, module, code);
    // An explicit layout (params uniform + one storage buffer per binding) so that a binding the compiler
    // sees as unused in one specialization does not change the bind group.
    const entries: GPUBindGroupLayoutEntry[] = [
      { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } },
      ...writable.map((w, i) => ({
        binding: i + 1,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: (w ? 'storage' : 'read-only-storage') as GPUBufferBindingType },
      })),
    ];
    const bgl = this.#device.createBindGroupLayout({ entries, label: key });
    const pipeline = this.#device.createComputePipeline({
      layout: this.#device.createPipelineLayout({ bindGroupLayouts: [bgl], label: key }),
      compute: { module, entryPoint: 'main' },
      label: key,
    });
    this.#pipelines.set(key, pipeline);
    return pipeline;
  }
}
