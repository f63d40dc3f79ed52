/// <reference types="@webgpu/types" />
import { type ErrorCode, fail, GemmkitError } from '@gemmkit/core';
import { BufferPool } from './allocator.js';
import type { AcquiredDevice } from './device.js';
import { PipelineCache } from './pipeline-cache.js';
import type { SubgroupMatrixSupport } from './subgroup-matrix.js';

/** One kernel launch: WGSL source (built on a cache miss), storage buffers, u32 params, workgroup grid. */
export interface Dispatch {
  /** Pipeline cache key: kernel name + every specialization that changes the WGSL. */
  key: string;
  source: () => string;
  /** Bound at @binding(1), @binding(2), ... of group 0 (binding 0 is the params uniform). */
  buffers: readonly GPUBuffer[];
  /** Per buffer: bound read_write (outputs, status) or read-only. */
  writable: readonly boolean[];
  /** u32 words, read in WGSL as `prm(i)` (f32 values are passed as their bit patterns). */
  params: ArrayLike<number>;
  groups: readonly [number, number, number];
  /** Shown in timings, e.g. the op name. */
  label: string;
}

/** Where a kernel that found bad index data came from: the status word records the site id. */
export interface StatusSite {
  op: string;
  arg: string;
  message: string;
  /** Error code sync() throws for this site (E_RANGE for out-of-range entries, E_ALIGN, E_LAYOUT). */
  code: ErrorCode;
}

type Recorded =
  | { kind: 'dispatch'; d: Dispatch; pipeline: GPUComputePipeline }
  | { kind: 'copy'; src: GPUBuffer; srcOffset: number; dst: GPUBuffer; dstOffset: number; size: number }
  | { kind: 'clear'; buf: GPUBuffer; offset: number; size: number };

export interface KernelTiming {
  label: string;
  ns: number;
}

const PARAM_STRIDE = 256; // minUniformBufferOffsetAlignment is at most 256
const MAX_PARAM_BYTES = 256;
const AUTO_FLUSH = 128;

/**
 * The device runtime: records launches and copies and submits them in batches (one command encoder per
 * flush), owns the buffer pool, the pipeline cache, the device-side status word and error collection.
 */
export class Runtime {
  readonly gpu: AcquiredDevice;
  readonly device: GPUDevice;
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  /** 4 u32: [flags, first site id, first bad value, count]; kernels write it atomically on bad index data. */
  readonly status: GPUBuffer;
  #sites: StatusSite[] = [{ op: '', arg: '', message: '', code: 'E_RANGE' }];
  #siteIds = new Map<string, number>();
  #recorded: Recorded[] = [];
  #transient: GPUBuffer[] = [];
  #pending: Promise<unknown>[] = [];
  #errors: GemmkitError[] = [];
  #lost: string | null = null;
  #profile = false;
  #timings: KernelTiming[] = [];
  #disposed = false;
  /** Set once the subgroup-matrix GEMM passed its self-test on this device; null = f32 family only. */
  sgm: SubgroupMatrixSupport | null = null;

  constructor(gpu: AcquiredDevice) {
    this.gpu = gpu;
    this.device = gpu.device;
    this.pool = new BufferPool(this.device);
    this.pipelines = new PipelineCache(this.device, (key, module) => this.#checkCompile(key, module));
    this.status = this.device.createBuffer({
      size: 16,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      label: 'gemmkit:status',
    });
    this.device.lost.then((info) => {
      if (!this.#disposed) this.#lost = `${info.reason}: ${info.message}`;
    });
    this.device.addEventListener('uncapturederror', (ev: any) => this.#onGpuError(ev.error));
  }

  #onGpuError(err: GPUError | null | undefined): void {
    if (!err) return;
    const code: ErrorCode = err.constructor?.name === 'GPUOutOfMemoryError' ? 'E_OOM' : 'E_DEVICE';
    this.#errors.push(new GemmkitError(code, `WebGPU error: ${err.message}`, { arg: 'webgpu', cause: err }));
  }

  #checkCompile(key: string, module: GPUShaderModule): void {
    this.#pending.push(
      module.getCompilationInfo().then((info) => {
        const errs = info.messages.filter((m) => m.type === 'error');
        if (errs.length)
          this.#errors.push(
            new GemmkitError('E_COMPILE', `WGSL compilation failed for kernel '${key}'`, {
              arg: key,
              actual: errs.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('\n'),
            }),
          );
      }),
    );
  }

  live(): void {
    if (this.#disposed) fail('E_DISPOSED', 'webgpu backend was disposed', { arg: 'backend' });
    if (this.#lost) fail('E_DEVICE', 'WebGPU device was lost', { arg: 'webgpu', actual: this.#lost });
  }

  /** Register (once) where a status flag can come from; the id goes into the kernel's params. */
  site(op: string, arg: string, message: string, code: ErrorCode = 'E_RANGE'): number {
    const k = `${op}|${arg}|${message}|${code}`;
    let id = this.#siteIds.get(k);
    if (id === undefined) {
      id = this.#sites.length;
      this.#sites.push({ op, arg, message, code });
      this.#siteIds.set(k, id);
    }
    return id;
  }

  dispatch(d: Dispatch): void {
    this.live();
    if (d.params.length * 4 > MAX_PARAM_BYTES)
      fail('E_UNSUPPORTED', 'too many kernel parameters', {
        arg: d.key,
        expected: `<= ${MAX_PARAM_BYTES / 4}`,
        actual: d.params.length,
      });
    const max = this.gpu.limits.maxComputeWorkgroupsPerDimension;
    for (const g of d.groups)
      if (g > max)
        fail('E_UNSUPPORTED', 'problem too large for one launch', {
          arg: d.label,
          expected: `<= ${max} workgroups per dimension`,
          actual: d.groups,
        });
    if (d.groups[0] * d.groups[1] * d.groups[2] === 0) return;
    const pipeline = this.pipelines.get(d.key, d.source, d.writable);
    this.#recorded.push({ kind: 'dispatch', d, pipeline });
    if (this.#recorded.length >= AUTO_FLUSH) this.flush();
  }

  /** Record a host→device upload (the bytes are copied now into a mapped staging buffer). */
  upload(dst: GPUBuffer, dstOffset: number, bytes: Uint8Array): void {
    this.live();
    if (bytes.byteLength === 0) return;
    const size = Math.ceil(bytes.byteLength / 4) * 4;
    const staging = this.device.createBuffer({
      size,
      usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.MAP_WRITE,
      mappedAtCreation: true,
      label: 'gemmkit:upload',
    });
    new Uint8Array(staging.getMappedRange()).set(bytes);
    staging.unmap();
    this.#transient.push(staging);
    this.copy(staging, 0, dst, dstOffset, size);
  }

  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, size: number): void {
    this.live();
    if (size > 0) this.#recorded.push({ kind: 'copy', src, srcOffset, dst, dstOffset, size });
  }

  clear(buf: GPUBuffer, offset = 0, size = buf.size): void {
    this.live();
    this.#recorded.push({ kind: 'clear', buf, offset, size });
  }

  /** Submit everything recorded so far in one command buffer. */
  flush(): void {
    if (this.#recorded.length === 0) return;
    const rec = this.#recorded;
    this.#recorded = [];
    const dev = this.device;
    const dispatches = rec.filter((r) => r.kind === 'dispatch');
    let params: GPUBuffer | null = null;
    if (dispatches.length) {
      params = dev.createBuffer({
        size: dispatches.length * PARAM_STRIDE,
        usage: GPUBufferUsage.UNIFORM,
        mappedAtCreation: true,
        label: 'gemmkit:params',
      });
      const words = new Uint32Array(params.getMappedRange());
      dispatches.forEach((r, i) => {
        const p = (r as { d: Dispatch }).d.params;
        for (let j = 0; j < p.length; j++) words[(i * PARAM_STRIDE) / 4 + j] = p[j] >>> 0;
      });
      params.unmap();
      this.#transient.push(params);
    }
    const profile = this.#profile && this.gpu.features.timestampQuery && dispatches.length > 0;
    const query = profile ? dev.createQuerySet({ type: 'timestamp', count: 2 * dispatches.length }) : null;
    dev.pushErrorScope('out-of-memory');
    dev.pushErrorScope('validation');
    const enc = dev.createCommandEncoder({ label: 'gemmkit' });
    let pass: GPUComputePassEncoder | null = null;
    let di = 0;
    const labels: string[] = [];
    for (const r of rec) {
      if (r.kind === 'dispatch') {
        if (!pass || query)
          pass = enc.beginComputePass(
            query
              ? {
                  timestampWrites: {
                    querySet: query,
                    beginningOfPassWriteIndex: 2 * di,
                    endOfPassWriteIndex: 2 * di + 1,
                  },
                }
              : {},
          );
        const entries: GPUBindGroupEntry[] = [
          { binding: 0, resource: { buffer: params!, offset: di * PARAM_STRIDE, size: MAX_PARAM_BYTES } },
          ...r.d.buffers.map((buffer, i) => ({ binding: i + 1, resource: { buffer } })),
        ];
        const group = dev.createBindGroup({ layout: r.pipeline.getBindGroupLayout(0), entries });
        pass.setPipeline(r.pipeline);
        pass.setBindGroup(0, group);
        pass.dispatchWorkgroups(r.d.groups[0], r.d.groups[1], r.d.groups[2]);
        labels.push(r.d.label);
        di++;
        if (query) {
          pass.end();
          pass = null;
        }
      } else {
        if (pass) {
          pass.end();
          pass = null;
        }
        if (r.kind === 'copy') enc.copyBufferToBuffer(r.src, r.srcOffset, r.dst, r.dstOffset, r.size);
        else enc.clearBuffer(r.buf, r.offset, r.size);
      }
    }
    if (pass) pass.end();
    let resolved: GPUBuffer | null = null;
    if (query) {
      const bytes = 16 * dispatches.length;
      const qbuf = dev.createBuffer({
        size: bytes,
        usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
      });
      resolved = dev.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      enc.resolveQuerySet(query, 0, 2 * dispatches.length, qbuf, 0);
      enc.copyBufferToBuffer(qbuf, 0, resolved, 0, bytes);
      this.#transient.push(qbuf);
    }
    dev.queue.submit([enc.finish()]);
    const scoped = (code: ErrorCode) => (err: GPUError | null) => {
      if (err) this.#errors.push(new GemmkitError(code, `WebGPU error: ${err.message}`, { arg: 'webgpu' }));
    };
    this.#pending.push(dev.popErrorScope().then(scoped('E_DEVICE')));
    this.#pending.push(dev.popErrorScope().then(scoped('E_OOM')));
    const transient = this.#transient;
    this.#transient = [];
    this.#pending.push(
      dev.queue.onSubmittedWorkDone().then(async () => {
        for (const b of transient) b.destroy();
        query?.destroy();
        if (resolved) {
          await resolved.mapAsync(GPUMapMode.READ);
          const t = new BigUint64Array(resolved.getMappedRange());
          labels.forEach((label, i) => this.#timings.push({ label, ns: Number(t[2 * i + 1] - t[2 * i]) }));
          resolved.unmap();
          resolved.destroy();
        }
      }),
    );
  }

  /** Read bytes of a storage buffer (flushes, then maps a staging copy). */
  async read(src: GPUBuffer, byteOffset: number, byteLength: number): Promise<Uint8Array> {
    this.live();
    const start = byteOffset - (byteOffset % 4);
    const end = Math.min(src.size, Math.ceil((byteOffset + byteLength) / 4) * 4);
    const size = Math.max(4, end - start);
    const staging = this.device.createBuffer({
      size,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      label: 'gemmkit:readback',
    });
    this.copy(src, start, staging, 0, size);
    this.flush();
    try {
      await this.#wait(staging.mapAsync(GPUMapMode.READ));
    } catch (e) {
      await this.#settle();
      this.#throwErrors();
      return fail('E_DEVICE', 'readback failed', { arg: 'storage', cause: e });
    }
    const out = new Uint8Array(staging.getMappedRange(), byteOffset - start, byteLength).slice();
    staging.unmap();
    staging.destroy();
    return out;
  }

  async #settle(): Promise<void> {
    while (this.#pending.length) {
      const p = this.#pending;
      this.#pending = [];
      await this.#wait(Promise.all(p));
    }
  }

  /**
   * Await a WebGPU promise while nudging the implementation: Dawn-for-Node only pumps its events while it
   * knows of outstanding work, and a rare lost wake-up otherwise leaves a mapAsync pending forever.
   */
  async #wait<T>(p: Promise<T>): Promise<T> {
    let done = false;
    const kick = async () => {
      while (!done) {
        await new Promise((r) => setTimeout(r, 50));
        if (!done && !this.#disposed) void this.device.queue.onSubmittedWorkDone().catch(() => {});
      }
    };
    void kick();
    try {
      return await p;
    } finally {
      done = true;
    }
  }

  #throwErrors(): void {
    if (this.#errors.length) {
      const [first] = this.#errors;
      this.#errors = [];
      throw first;
    }
  }

  /** Wait for all submitted work; throw a collected WebGPU error or the device status (bad index data). */
  async sync(): Promise<void> {
    this.live();
    const words = new Uint32Array((await this.read(this.status, 0, 16)).buffer);
    await this.#wait(this.device.queue.onSubmittedWorkDone());
    await this.#settle();
    if (this.#lost) fail('E_DEVICE', 'WebGPU device was lost', { arg: 'webgpu', actual: this.#lost });
    this.#throwErrors();
    if (words[0] !== 0) {
      this.clear(this.status);
      this.flush();
      const s = this.#sites[words[1]] ?? { op: '?', arg: '?', message: 'bad index data', code: 'E_RANGE' };
      fail(
        s.code,
        `${s.op}: ${s.message} (found on the device; ${words[3]} reports, work skipped or clamped)`,
        {
          arg: `${s.op}.${s.arg}`,
          expected: 'index data within range',
          actual: words[2] | 0,
        },
      );
    }
  }

  /** Turn per-dispatch GPU timestamps on or off (needs 'timestamp-query'). */
  setProfiling(on: boolean): boolean {
    this.#profile = on && this.gpu.features.timestampQuery;
    return this.#profile;
  }

  /** Timings collected since the last call (complete after `sync()`). */
  takeTimings(): KernelTiming[] {
    const t = this.#timings;
    this.#timings = [];
    return t;
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    try {
      this.flush();
      await this.device.queue.onSubmittedWorkDone();
      await this.#settle();
    } finally {
      this.#disposed = true;
      this.pool.trim();
      this.device.destroy();
    }
  }
}
