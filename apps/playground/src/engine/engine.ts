import { type Ceiling, ceilingFor, costOf, runTimed, workloadOf } from '@gemmkit/cli/workloads';
import type { Backend, Context } from '@gemmkit/core';
import { GemmkitError } from '@gemmkit/core';
import type { AnyConformanceCase } from '@gemmkit/core/conformance';
import type { BackendRun, DeviceInfo, RunSpec, WorkerRequest, WorkerResponse } from './protocol.js';
import { base64ToBytes, toWire, type WireOutputs } from './wire.js';

export const BACKENDS = ['webgpu', 'cpu', 'cuda'] as const;
export type BackendName = (typeof BACKENDS)[number];

type WorkerCall = {
  [K in WorkerRequest['kind']]: Omit<Extract<WorkerRequest, { kind: K }>, 'id'>;
}[WorkerRequest['kind']];

/** An error from a backend, worker or the CUDA server, with its gemmkit code when it has one. */
export class RunError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/**
 * Where each backend runs: CPU (and the reference for all) in a Web Worker, WebGPU on the page's
 * `navigator.gpu`, CUDA through the local server (`node apps/playground/server.mjs`, proxied at /api).
 */
export class Engine {
  #worker: Worker;
  #next = 1;
  #pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  #webgpu?: Promise<Context>;

  constructor() {
    this.#worker = this.#spawn();
  }

  #spawn(): Worker {
    const w = new Worker(new URL('./cpu.worker.ts', import.meta.url), { type: 'module' });
    w.onmessage = (ev: MessageEvent<WorkerResponse>) => {
      const p = this.#pending.get(ev.data.id);
      if (!p) return;
      this.#pending.delete(ev.data.id);
      if (ev.data.ok) p.resolve(ev.data.value);
      else p.reject(new RunError(ev.data.error.message, ev.data.error.code));
    };
    return w;
  }

  /**
   * Stop a long run: the CPU worker (which also computes every reference) is terminated and replaced; what
   * was waiting on it rejects with a RunError whose code is 'CANCELLED'.
   */
  cancel(): void {
    this.#worker.terminate();
    for (const p of this.#pending.values()) p.reject(new RunError('cancelled', 'CANCELLED'));
    this.#pending.clear();
    this.#worker = this.#spawn();
  }

  #call<T>(req: WorkerCall): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#worker.postMessage({ ...req, id });
    });
  }

  #webgpuContext(): Promise<Context> {
    this.#webgpu ??= (async () => {
      const [{ webgpu }, { createContext }] = await Promise.all([
        import('@gemmkit/backend-webgpu'),
        import('@gemmkit/core'),
      ]);
      return createContext({ backends: [webgpu()], validate: 'full' });
    })();
    return this.#webgpu;
  }

  async info(backend: BackendName): Promise<DeviceInfo> {
    try {
      if (backend === 'cpu') return await this.#call<DeviceInfo>({ kind: 'info' });
      if (backend === 'webgpu') {
        const gk = await this.#webgpuContext();
        const caps = (gk.get('webgpu') as Backend).capabilities;
        return {
          available: true,
          device: caps.device,
          arch: caps.arch,
          ops: [...caps.ops],
          features: { ...caps.features },
        };
      }
      const res = await fetch('/api/info');
      if (!res.ok)
        return {
          available: false,
          reason: `CUDA server answered ${res.status}; start it with: node apps/playground/server.mjs`,
        };
      return (await res.json()) as DeviceInfo;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      return {
        available: false,
        reason:
          backend === 'cuda' ? `CUDA server not reachable (node apps/playground/server.mjs): ${msg}` : msg,
      };
    }
  }

  /** The CPU reference outputs for a run (same seed → same inputs as the backend's run). */
  reference(spec: RunSpec): Promise<{ outputs: WireOutputs; ms: number }> {
    return this.#call({ kind: 'reference', spec });
  }

  async run(backend: BackendName, spec: RunSpec): Promise<BackendRun> {
    if (backend === 'cpu') return this.#call<BackendRun>({ kind: 'run', spec });
    if (backend === 'webgpu') {
      const gk = await this.#webgpuContext();
      const w = workloadOf(spec.op);
      if (!w) throw new RunError(`no workload for ${spec.op}`, 'E_UNSUPPORTED');
      const c = w.make(spec.params) as AnyConformanceCase;
      try {
        const args = c.build(spec.seed);
        const r = await runTimed(gk, c, args, 'webgpu', spec.timing);
        const caps = gk.get('webgpu').capabilities;
        return {
          outputs: toWire(r.outputs),
          medianMs: r.medianMs,
          timedRuns: r.timedRuns,
          ...costOf(c, args),
          device: caps.device,
          arch: caps.arch,
        };
      } catch (e) {
        throw new RunError(
          e instanceof Error ? e.message : String(e),
          e instanceof GemmkitError ? e.code : undefined,
        );
      }
    }
    const res = await fetch('/api/run', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(spec),
    });
    const body = await res.json();
    if (!res.ok)
      throw new RunError(body.error?.message ?? `CUDA server answered ${res.status}`, body.error?.code);
    const outputs: WireOutputs = {};
    for (const [k, v] of Object.entries(
      body.outputs as Record<string, { dtype: any; shape: number[]; base64: string }>,
    ))
      outputs[k] = { dtype: v.dtype, shape: v.shape, bytes: base64ToBytes(v.base64) };
    return { ...body, outputs };
  }

  /** Datasheet ceilings by device name; the CPU worker measures its own. */
  async ceiling(backend: BackendName, info: DeviceInfo): Promise<Ceiling | undefined> {
    if (backend === 'cpu') return this.#call<Ceiling>({ kind: 'ceiling' });
    return ceilingFor(backend, info.device ? ({ device: info.device } as any) : undefined);
  }
}
