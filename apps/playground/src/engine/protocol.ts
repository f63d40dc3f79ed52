import type { Params, RunTiming } from '@gemmkit/cli/workloads';
import type { OpName } from '@gemmkit/core';
import type { WireOutputs } from './wire.js';

/** One run of a workload: what the URL encodes, plus timing. */
export interface RunSpec {
  op: OpName;
  params: Params;
  seed: number;
  timing: RunTiming;
}

/** What a backend returns for a run: outputs (host) and timing. */
export interface BackendRun {
  outputs: WireOutputs;
  medianMs: number;
  timedRuns: number;
  /** The problem's cost from the op contract (computed where the inputs are built). */
  flops: number;
  bytes: number;
  device: string;
  arch: string;
}

export interface DeviceInfo {
  available: boolean;
  /** For the server: the backend it really runs ('cuda', or a stand-in such as 'cpu'). */
  backend?: string;
  reason?: string;
  device?: string;
  arch?: string;
  ops?: OpName[];
  features?: Record<string, boolean | number | string>;
}

/** Messages to the CPU worker. */
export type WorkerRequest =
  | { id: number; kind: 'info' }
  | { id: number; kind: 'reference'; spec: RunSpec }
  | { id: number; kind: 'run'; spec: RunSpec }
  | { id: number; kind: 'ceiling' };

export type WorkerResponse =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { code?: string; message: string } };
