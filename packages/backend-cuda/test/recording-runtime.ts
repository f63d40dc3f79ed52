import {
  type Backend,
  contracts,
  type DType,
  dtypeBytes,
  type OpName,
  type Shape,
  Tensor,
} from '@gemmkit/core';
import { expect } from 'vitest';
import { kernels } from '../src/ops/index.js';
import { KERNEL_INSTANCES } from '../src/ops/instances.js';
import type { CudaRuntime } from '../src/runtime/index.js';
import { registerRuntime } from '../src/runtime/registry.js';
import { readSwitches } from '../src/runtime/switches.js';

// A recording runtime for launcher tests without a GPU (the pattern of kernels.test.ts): tensors live on the
// host, launches are recorded, and every tensor the backend allocates is kept so tests can see temporaries.

export interface Launch {
  file?: string;
  name: string;
  defines: Record<string, number>;
  grid: number[];
  block: number[];
  sharedBytes?: number;
  args: unknown[];
}

/**
 * A launch's arguments as the real `kernel.launch` sees them: by-value structs are copied at the call (the
 * launchers pack them into reused scratch buffers, valid only until the next launch).
 */
export function recordArgs(args: readonly unknown[]): unknown[] {
  return args.map((a) =>
    a && typeof a === 'object' && 'bytes' in a && a.bytes instanceof Uint8Array
      ? { ...a, bytes: a.bytes.slice() }
      : a,
  );
}

export function recordingBackend(arch = 'sm_90a') {
  const launches: Launch[] = [];
  const allocated: Tensor[] = [];
  /** Tensor maps the sm90 launchers encode (their options, e.g. `ptr`). */
  const maps: Array<Record<string, unknown>> = [];
  const ids = new WeakMap<object, number>();
  let next = 1;
  const backend = {
    name: 'cuda',
    storageDevice: 'host',
    empty: (dtype: DType, shape: Shape) => {
      const t = Tensor.host(dtype, shape);
      allocated.push(t);
      return t;
    },
  } as unknown as Backend;
  /** Fake device address: storage id in the high word, byte offset of element 0 in the low word. */
  const address = (t: Tensor): bigint => {
    if (!ids.has(t.storage)) ids.set(t.storage, next++);
    return (BigInt(ids.get(t.storage) as number) << 32n) + BigInt(t.offset * dtypeBytes(t.dtype));
  };
  const rt = {
    device: { arch, smCount: 132 },
    switches: readSwitches(process.env),
    status: { arg: () => 0x5747n },
    tensorAddress: address,
    fill: () => {},
    upload: () => {},
    copy: () => {},
    alloc: (bytes: number) => ({ ptr: BigInt(0x7000 + next++) << 32n, bytes, dispose: () => {} }),
    tensorMap: (o: Record<string, unknown>) => {
      maps.push(o);
      return { bytes: new Uint8Array(128), align: 64 };
    },
    getKernel: (spec: { file?: string; name: string; defines?: Record<string, number> }) => ({
      launch: (o: {
        grid: number | number[];
        block: number | number[];
        sharedBytes?: number;
        args: unknown[];
      }) =>
        launches.push({
          file: spec.file,
          name: spec.name,
          defines: { ...(spec.defines ?? {}) },
          grid: ([] as number[]).concat(o.grid),
          block: ([] as number[]).concat(o.block),
          sharedBytes: o.sharedBytes,
          args: recordArgs(o.args),
        }),
    }),
  } as unknown as CudaRuntime;
  registerRuntime(backend, rt);
  return { kctx: { backend, validate: 'fast' as const }, launches, allocated, maps, address, rt };
}

/** Validate (fast) and launch one op on a fresh recording backend. */
export function runOp<K extends OpName>(op: K, args: unknown, arch = 'sm_90a') {
  const f = recordingBackend(arch);
  const c = contracts[op] as unknown as { validate(a: unknown, m: string): unknown };
  const plan = c.validate(args, 'fast');
  const fn = kernels[op] as unknown as (p: unknown, a: unknown, k: unknown) => unknown;
  const result = fn(plan, args, f.kctx);
  return { ...f, plan, result };
}

/** Every launch must name an entry of KERNEL_INSTANCES (same file, entry and defines) built for its arch. */
export function expectListed(l: Launch, arch: string) {
  const hit = KERNEL_INSTANCES.find(
    (i) =>
      i.file === l.file &&
      i.names.includes(l.name) &&
      JSON.stringify(Object.entries(i.defines).sort()) === JSON.stringify(Object.entries(l.defines).sort()),
  );
  expect(hit, `${l.file} ${l.name} ${JSON.stringify(l.defines)}`).toBeTruthy();
  expect(hit?.archs.includes(arch) || (arch !== 'sm_80' && hit?.archs.some((a) => a !== 'sm_80'))).toBe(true);
}
