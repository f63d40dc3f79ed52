import { type Params, resolveParams, runnableOps, workloadOf } from '@gemmkit/cli/workloads';
import type { OpName } from '@gemmkit/core';
import { BACKENDS, type BackendName } from './engine/engine.js';

/** Everything a run depends on; the URL query carries all of it so a link reproduces a run. */
export interface AppState {
  op: OpName;
  backend: BackendName;
  seed: number;
  params: Params;
}

/** Dedicated workloads first, then every other op through its conformance cases. */
export const PLAYGROUND_OPS = runnableOps();

/** First op shown: an FP8 GEMM when one exists. */
function defaultOp(): OpName {
  for (const o of ['gemmFp8NtGroupwise', 'bmmFp8', 'mmFp8', 'bmmFp16'] as OpName[])
    if (PLAYGROUND_OPS.includes(o)) return o;
  return PLAYGROUND_OPS[0];
}

export function defaultState(op: OpName = defaultOp(), backend: BackendName = 'webgpu'): AppState {
  return { op, backend, seed: 1, params: resolveParams(workloadOf(op)!, 'small') };
}

/**
 * Parse `?op=..&backend=..&seed=..&<param>=..`. Bad values give the defaults plus the error text,
 * shown in the UI (a stale link should say what is wrong with it).
 */
export function parseState(search: string): { state: AppState; error?: string; autorun: boolean } {
  const q = new URLSearchParams(search);
  const autorun = q.get('run') === '1';
  const opName = (q.get('op') ?? defaultOp()) as OpName;
  if (!PLAYGROUND_OPS.includes(opName))
    return { state: defaultState(), error: `unknown op '${opName}' in the link`, autorun: false };
  const backendName = (q.get('backend') ?? 'webgpu') as BackendName;
  if (!BACKENDS.includes(backendName))
    return {
      state: defaultState(opName),
      error: `unknown backend '${backendName}' in the link`,
      autorun: false,
    };
  const w = workloadOf(opName)!;
  const over: Record<string, string> = {};
  for (const p of w.params) {
    const v = q.get(p.name);
    if (v !== null) over[p.name] = v;
  }
  const seed = Number(q.get('seed') ?? 1);
  try {
    if (!Number.isSafeInteger(seed) || seed < 0)
      throw new Error(`seed must be a non-negative integer, got ${q.get('seed')}`);
    return {
      state: { op: opName, backend: backendName, seed, params: resolveParams(w, 'small', over) },
      autorun,
    };
  } catch (e) {
    return { state: defaultState(opName, backendName), error: (e as Error).message, autorun: false };
  }
}

export function stateToSearch(s: AppState, run = false): string {
  const q = new URLSearchParams({ op: s.op, backend: s.backend, seed: String(s.seed) });
  for (const [k, v] of Object.entries(s.params)) q.set(k, String(v));
  if (run) q.set('run', '1');
  return `?${q.toString()}`;
}
