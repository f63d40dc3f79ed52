import type { Backend, BackendFactory, BackendStatus, KernelContext } from './backend.js';
import type { DType } from './dtype.js';
import { fail, GemmkitError } from './errors.js';
import { everyTensor, tensorsIn, type ValidateMode } from './op.js';
import { contracts, type OpArgs, type OpName, type OpResult } from './ops/index.js';
import type { Shape, Tensor } from './tensor.js';

export interface ContextOptions {
  /** Backend factories to probe, e.g. `[cuda(), webgpu(), cpu()]`. */
  backends: readonly BackendFactory[];
  /** `'auto'` picks the available backend with the highest priority; a name picks that one. */
  prefer?: 'auto' | string;
  /** 'full' (default) also checks host-resident index data before launch. */
  validate?: ValidateMode;
}

export interface CallOptions {
  /** Run this call on another (available) backend of the context. */
  backend?: string;
}

export type OpFunctions = { readonly [K in OpName]: (args: OpArgs<K>, opts?: CallOptions) => OpResult<K> };

/** The only stateful object a user holds: owns the chosen backends. Two contexts share nothing. */
export interface Context {
  /** Every probed backend with its availability and reason. */
  readonly status: readonly BackendStatus[];
  /** The current backend. */
  readonly backend: Backend;
  readonly validate: ValidateMode;
  readonly ops: OpFunctions;
  /** Switch the current backend. */
  use(name: string): Backend;
  /** Look up an available backend by name (throws E_DEVICE naming why it is missing). */
  get(name?: string): Backend;
  /** Run an op by name. */
  run<K extends OpName>(op: K, args: OpArgs<K>, opts?: CallOptions): OpResult<K>;
  /** Copy a tensor onto a backend (the current one by default). Returns the same tensor if already there. */
  to(t: Tensor, backend?: string): Tensor;
  empty(dtype: DType, shape: Shape, opts?: CallOptions): Tensor;
  /** Wait for all backends; surfaces device status errors. */
  sync(): Promise<void>;
  dispose(): Promise<void>;
}

/** Probe `backends` concurrently and build a context over the available ones. */
export async function createContext(options: ContextOptions): Promise<Context> {
  if (!options || !Array.isArray(options.backends) || options.backends.length === 0)
    fail('E_UNSUPPORTED', 'createContext needs at least one backend factory', {
      arg: 'backends',
      expected: 'non-empty array',
      actual: options?.backends,
    });
  const probed = await Promise.all(
    options.backends.map(async (f): Promise<[BackendStatus, Backend | null]> => {
      try {
        const b = await f.create();
        return [{ name: f.name, available: true, priority: f.priority, capabilities: b.capabilities }, b];
      } catch (e) {
        const reason = e instanceof Error ? e.message : String(e);
        return [{ name: f.name, available: false, priority: f.priority, reason }, null];
      }
    }),
  );
  const live = new Map<string, Backend>();
  for (const [s, b] of probed) if (b) live.set(s.name, b);
  const status = probed.map(([s]) => s);
  const describe = () => status.map((s) => (s.available ? s.name : `${s.name} (${s.reason})`)).join(', ');
  if (live.size === 0)
    fail('E_DEVICE', 'no backend is available', {
      arg: 'backends',
      expected: 'one available backend',
      actual: describe(),
    });

  const byPriority = [...status].filter((s) => s.available).sort((a, b) => b.priority - a.priority);
  const prefer = options.prefer ?? 'auto';
  const get = (name?: string): Backend => {
    if (name === undefined) return current;
    const b = live.get(name);
    if (!b) {
      const s = status.find((x) => x.name === name);
      fail(
        'E_DEVICE',
        s ? `backend '${name}' is unavailable: ${s.reason}` : `backend '${name}' is not in this context`,
        {
          arg: 'backend',
          expected: [...live.keys()],
          actual: name,
        },
      );
    }
    return b;
  };
  let current: Backend =
    prefer === 'auto' ? live.get(byPriority[0].name)! : (live.get(prefer) ?? get(prefer));
  const validate = options.validate ?? 'full';
  let disposed = false;

  // Per-call work is kept allocation-free: one frozen KernelContext and one tensor predicate per backend,
  // contracts looked up in a prototype-free table (an op named 'toString' is unknown, not Object's method).
  const table: Readonly<Record<string, any>> = Object.freeze(Object.assign(Object.create(null), contracts));
  const perBackend = new Map<Backend, { kctx: KernelContext; usable: (t: Tensor) => boolean }>();
  for (const b of live.values())
    perBackend.set(b, {
      kctx: Object.freeze({ backend: b, validate }),
      usable: (t) => !t.disposed && t.device === b.storageDevice,
    });

  /** Slow path of the tensor check: find the first unusable tensor again, with its argument path. */
  const tensorError = (op: string, args: unknown, backend: Backend): never => {
    for (const [path, t] of tensorsIn(args)) {
      if (t.disposed) fail('E_DISPOSED', `${op}: tensor was disposed`, { arg: `${op}.${path}` });
      if (t.device !== backend.storageDevice)
        fail('E_DEVICE', `${op}: tensor lives on another device; move it with ctx.to(t, '${backend.name}')`, {
          arg: `${op}.${path}`,
          expected: backend.storageDevice,
          actual: t.device,
        });
    }
    return fail('E_DEVICE', `${op}: a tensor argument is not usable on '${backend.name}'`, { arg: op });
  };

  const run = <K extends OpName>(op: K, args: OpArgs<K>, opts?: CallOptions): OpResult<K> => {
    if (disposed) fail('E_DISPOSED', 'context was disposed', { arg: 'context' });
    const contract = typeof op === 'string' ? table[op] : undefined;
    if (!contract)
      fail('E_UNSUPPORTED', `unknown op '${String(op)}'`, {
        arg: 'op',
        expected: Object.keys(contracts),
        actual: op,
      });
    const backend = opts?.backend === undefined ? current : get(opts.backend);
    const kernel = backend.kernels[op] as any;
    if (!kernel)
      fail('E_UNSUPPORTED', `op '${op}' has no kernel on backend '${backend.name}'`, {
        arg: 'backend',
        actual: backend.name,
      });
    const pb = perBackend.get(backend)!;
    if (!everyTensor(args, pb.usable)) tensorError(op, args, backend);
    const plan = contract.validate(args, validate);
    return kernel(plan, args, pb.kctx);
  };

  // One bound function per op, made once (not a new closure per `gk.ops.x` access).
  const ops = Object.create(null) as Record<string, (a: any, o?: CallOptions) => unknown>;
  for (const name of Object.keys(contracts))
    ops[name] = (a: any, o?: CallOptions) => run(name as OpName, a, o);
  Object.freeze(ops);

  return {
    status,
    get backend() {
      return current;
    },
    validate,
    ops: ops as unknown as OpFunctions,
    use(name: string) {
      current = get(name);
      return current;
    },
    get,
    run,
    to(t: Tensor, name?: string) {
      const b = get(name);
      if (t.device === b.storageDevice) return t;
      return b.fromHost(t);
    },
    empty(dtype: DType, shape: Shape, opts?: CallOptions) {
      return get(opts?.backend).empty(dtype, shape);
    },
    async sync() {
      for (const b of live.values()) await b.sync();
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      const errors: unknown[] = [];
      for (const b of live.values()) {
        try {
          await b.dispose();
        } catch (e) {
          errors.push(e);
        }
      }
      if (errors.length)
        throw errors[0] instanceof GemmkitError
          ? errors[0]
          : new GemmkitError('E_DEVICE', 'backend dispose failed', { cause: errors[0] });
    },
  };
}
