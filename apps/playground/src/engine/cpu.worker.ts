/// <reference lib="webworker" />
import { cpu } from '@gemmkit/backend-cpu';
import { costOf, measureHostCeiling, runReference, runTimed, workloadOf } from '@gemmkit/cli/workloads';
import { type Context, createContext, GemmkitError } from '@gemmkit/core';
import type { AnyConformanceCase } from '@gemmkit/core/conformance';
import type { BackendRun, DeviceInfo, RunSpec, WorkerRequest, WorkerResponse } from './protocol.js';
import { toWire } from './wire.js';

// The CPU backend (and the reference for every other backend) runs here, off the UI thread.
let ctx: Promise<Context> | undefined;
const context = () => {
  ctx ??= createContext({ backends: [cpu()], validate: 'full' });
  return ctx;
};

function caseOf(spec: RunSpec): AnyConformanceCase {
  const w = workloadOf(spec.op);
  if (!w)
    throw new GemmkitError('E_UNSUPPORTED', `no workload for op '${spec.op}'`, {
      arg: 'op',
      actual: spec.op,
    });
  return w.make(spec.params) as AnyConformanceCase;
}

async function handle(req: WorkerRequest): Promise<unknown> {
  const gk = await context();
  switch (req.kind) {
    case 'info': {
      const caps = gk.get('cpu').capabilities;
      return {
        available: true,
        device: caps.device,
        arch: caps.arch,
        ops: [...caps.ops],
        features: { ...caps.features },
      } satisfies DeviceInfo;
    }
    case 'ceiling':
      return measureHostCeiling();
    case 'reference': {
      const c = caseOf(req.spec);
      const r = await runReference(gk, c, c.build(req.spec.seed), 'cpu');
      return { outputs: toWire(r.outputs), ms: r.ms };
    }
    case 'run': {
      const c = caseOf(req.spec);
      const args = c.build(req.spec.seed);
      const r = await runTimed(gk, c, args, 'cpu', req.spec.timing);
      const caps = gk.get('cpu').capabilities;
      return {
        outputs: toWire(r.outputs),
        medianMs: r.medianMs,
        timedRuns: r.timedRuns,
        ...costOf(c, args),
        device: caps.device,
        arch: caps.arch,
      } satisfies BackendRun;
    }
  }
}

self.onmessage = async (ev: MessageEvent<WorkerRequest>) => {
  const req = ev.data;
  let res: WorkerResponse;
  try {
    res = { id: req.id, ok: true, value: await handle(req) };
  } catch (e) {
    res = {
      id: req.id,
      ok: false,
      error: {
        code: e instanceof GemmkitError ? e.code : undefined,
        message: e instanceof Error ? e.message : String(e),
      },
    };
  }
  (self as unknown as Worker).postMessage(res);
};
