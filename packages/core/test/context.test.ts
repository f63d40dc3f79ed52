import { describe, expect, test } from 'vitest';
import {
  type Backend,
  type BackendFactory,
  type BmmFp16Args,
  createContext,
  GemmkitError,
  HostStorage,
  type KernelTable,
  type Storage,
  Tensor,
  tensorFrom,
} from '../src/index.js';

/** Storage of a fake device backend: bytes kept in memory, device = the backend's name. */
class FakeStorage implements Storage {
  disposed = false;
  constructor(
    readonly device: string,
    readonly bytes: Uint8Array,
  ) {}
  get byteLength() {
    return this.bytes.byteLength;
  }
  async read(off: number, len: number) {
    return this.bytes.slice(off, off + len);
  }
  dispose() {
    this.disposed = true;
  }
}

interface FakeOptions {
  priority: number;
  unavailable?: string;
  /** Tensors live in host memory (like the CPU backend) instead of on the fake device. */
  host?: boolean;
  kernels?: boolean;
  disposeError?: unknown;
  syncError?: unknown;
}

/** A tiny BackendFactory whose bmmFp16 kernel records which backend ran it. */
function fake(name: string, o: FakeOptions, log: string[] = []): BackendFactory {
  return {
    name,
    priority: o.priority,
    async create(): Promise<Backend> {
      if (o.unavailable) throw new GemmkitError('E_DEVICE', o.unavailable);
      const device = o.host ? 'host' : name;
      const kernels: KernelTable =
        o.kernels === false
          ? {}
          : {
              bmmFp16: (plan, _args, kctx) => {
                log.push(`${kctx.backend.name}:${kctx.validate}:${plan.m}x${plan.n}x${plan.k}`);
                return kctx.backend.empty(plan.outDtype, plan.outShape);
              },
            };
      const backend: Backend = {
        name,
        storageDevice: device,
        capabilities: {
          ops: ['bmmFp16'],
          dtypes: ['bf16'],
          device: `fake ${name}`,
          arch: 'none',
          features: {},
        },
        kernels,
        empty: (dtype, shape) => {
          const t = Tensor.host(dtype, shape);
          return o.host ? t : new Tensor(dtype, shape, new FakeStorage(name, t.hostBytes()));
        },
        fromHost: (t) =>
          o.host ? t : new Tensor(t.dtype, t.shape, new FakeStorage(name, t.hostBytes().slice())),
        sync: async () => {
          log.push(`sync:${name}`);
          if (o.syncError) throw o.syncError;
        },
        dispose: () => {
          log.push(`dispose:${name}`);
          if (o.disposeError) throw o.disposeError;
        },
      };
      return backend;
    },
  };
}

const args = (): BmmFp16Args => ({
  a: tensorFrom('bf16', [1, 2, 3], [1, 2, 3, 4, 5, 6]),
  b: tensorFrom('bf16', [1, 3, 4], new Array(12).fill(1)),
  outDtype: 'bf16',
});

describe('createContext', () => {
  test("picks the available backend with the highest priority under prefer 'auto'", async () => {
    const gk = await createContext({
      backends: [
        fake('cpu', { priority: 10, host: true }),
        fake('gpu', { priority: 30 }),
        fake('web', { priority: 20 }),
      ],
    });
    expect(gk.backend.name).toBe('gpu');
    expect(gk.status.map((s) => [s.name, s.available])).toEqual([
      ['cpu', true],
      ['gpu', true],
      ['web', true],
    ]);
    expect(gk.validate).toBe('full');
    expect(gk.status[1].capabilities?.device).toBe('fake gpu');
  });

  test('unavailable backends are skipped and their reasons reported', async () => {
    const gk = await createContext({
      backends: [
        fake('gpu', { priority: 30, unavailable: 'no driver' }),
        fake('cpu', { priority: 10, host: true }),
      ],
    });
    expect(gk.backend.name).toBe('cpu');
    expect(gk.status[0]).toMatchObject({ name: 'gpu', available: false, priority: 30 });
    expect(gk.status[0].reason).toContain('no driver');
    const e = (() => {
      try {
        gk.get('gpu');
      } catch (x) {
        return x as GemmkitError;
      }
    })();
    expect(e?.code).toBe('E_DEVICE');
    expect(e?.message).toContain("backend 'gpu' is unavailable");
    expect(e?.message).toContain('no driver');
    expect(() => gk.use('nope')).toThrow(/not in this context/);
    // Non-Error throws become reasons too.
    const odd: BackendFactory = { name: 'odd', priority: 50, create: () => Promise.reject('plain string') };
    const gk2 = await createContext({ backends: [odd, fake('cpu', { priority: 10, host: true })] });
    expect(gk2.status[0].reason).toBe('plain string');
  });

  test('prefer names a backend; prefer of an unavailable one throws naming why', async () => {
    const backends = [fake('gpu', { priority: 30 }), fake('cpu', { priority: 10, host: true })];
    expect((await createContext({ backends, prefer: 'cpu' })).backend.name).toBe('cpu');
    await expect(
      createContext({
        backends: [fake('gpu', { priority: 30, unavailable: 'busy' }), ...backends.slice(1)],
        prefer: 'gpu',
      }),
    ).rejects.toMatchObject({ code: 'E_DEVICE', arg: 'backend' });
    await expect(createContext({ backends, prefer: 'tpu' })).rejects.toMatchObject({ code: 'E_DEVICE' });
  });

  test('use() switches the current backend; per-call { backend } overrides once', async () => {
    const log: string[] = [];
    const gk = await createContext({
      backends: [fake('gpu', { priority: 30 }, log), fake('cpu', { priority: 10, host: true }, log)],
      validate: 'fast',
    });
    const a = args();
    const out = gk.ops.bmmFp16(a, { backend: 'cpu' });
    expect(out.shape).toEqual([1, 2, 4]);
    expect(out.device).toBe('host');
    expect(log.at(-1)).toBe('cpu:fast:2x4x3');
    expect(gk.use('cpu').name).toBe('cpu');
    gk.run('bmmFp16', a);
    expect(log.at(-1)).toBe('cpu:fast:2x4x3');
    gk.use('gpu');
    const onGpu = { ...a, a: gk.to(a.a), b: gk.to(a.b) };
    expect(onGpu.a.device).toBe('gpu');
    expect(gk.to(onGpu.a)).toBe(onGpu.a); // already there
    expect(gk.ops.bmmFp16(onGpu).device).toBe('gpu');
    expect(log.at(-1)).toBe('gpu:fast:2x4x3');
    expect(gk.empty('f32', [2], { backend: 'cpu' }).device).toBe('host');
    expect(gk.empty('f32', [2]).device).toBe('gpu');
    expect(gk.get()).toBe(gk.backend);
    // ops proxy: lists the op contracts, unknown names are undefined.
    expect('bmmFp16' in gk.ops).toBe(true);
    expect(Object.keys(gk.ops)).toContain('bmmFp16');
    expect((gk.ops as any).noSuchOp).toBeUndefined();
    expect('noSuchOp' in gk.ops).toBe(false);
    await gk.sync();
    expect(log.filter((l) => l.startsWith('sync:')).sort()).toEqual(['sync:cpu', 'sync:gpu']);
    await gk.dispose();
    await gk.dispose(); // idempotent
    expect(log.filter((l) => l.startsWith('dispose:')).length).toBe(2);
  });

  test('a tensor on the wrong device is rejected with the argument path and a hint', async () => {
    const gk = await createContext({
      backends: [fake('gpu', { priority: 30 }), fake('cpu', { priority: 10, host: true })],
    });
    const e = (() => {
      try {
        gk.ops.bmmFp16(args());
      } catch (x) {
        return x as GemmkitError;
      }
    })();
    expect(e).toBeInstanceOf(GemmkitError);
    expect(e?.code).toBe('E_DEVICE');
    expect(e?.arg).toBe('bmmFp16.a');
    expect(e?.expected).toBe('gpu');
    expect(e?.actual).toBe('host');
    expect(e?.message).toContain("ctx.to(t, 'gpu')");
  });
});

describe('context errors', () => {
  const cpuOnly = () => createContext({ backends: [fake('cpu', { priority: 10, host: true })] });

  test('no factories, none available', async () => {
    await expect(createContext({ backends: [] })).rejects.toMatchObject({
      code: 'E_UNSUPPORTED',
      arg: 'backends',
    });
    await expect(createContext(undefined as never)).rejects.toMatchObject({ code: 'E_UNSUPPORTED' });
    const none = createContext({
      backends: [
        fake('a', { priority: 1, unavailable: 'why-a' }),
        fake('b', { priority: 2, unavailable: 'why-b' }),
      ],
    });
    await expect(none).rejects.toMatchObject({ code: 'E_DEVICE', arg: 'backends' });
    await expect(none).rejects.toThrow(/why-a.*why-b/);
  });

  test('unknown op, op without a kernel, disposed tensor, disposed context', async () => {
    const gk = await cpuOnly();
    expect(() => gk.run('nope' as never, {} as never)).toThrow(
      expect.objectContaining({ code: 'E_UNSUPPORTED', arg: 'op' }),
    );
    const bare = await createContext({
      backends: [fake('cpu', { priority: 10, host: true, kernels: false })],
    });
    expect(() => bare.ops.bmmFp16(args())).toThrow(
      expect.objectContaining({ code: 'E_UNSUPPORTED', arg: 'backend' }),
    );
    const a = args();
    a.b.dispose();
    expect(() => gk.ops.bmmFp16(a)).toThrow(
      expect.objectContaining({ code: 'E_DISPOSED', arg: 'bmmFp16.b' }),
    );
    await gk.dispose();
    expect(() => gk.ops.bmmFp16(args())).toThrow(
      expect.objectContaining({ code: 'E_DISPOSED', arg: 'context' }),
    );
  });

  test('validation errors from the contract surface before the kernel runs', async () => {
    const log: string[] = [];
    const gk = await createContext({ backends: [fake('cpu', { priority: 10, host: true }, log)] });
    const bad = { ...args(), b: tensorFrom('bf16', [1, 5, 4], new Array(20).fill(1)) };
    expect(() => gk.ops.bmmFp16(bad)).toThrow(expect.objectContaining({ code: 'E_SHAPE', arg: 'bmmFp16.b' }));
    expect(log).toEqual([]);
  });

  test('dispose rethrows a backend GemmkitError, wraps other errors as E_DEVICE; sync surfaces device errors', async () => {
    const g1 = await createContext({
      backends: [fake('cpu', { priority: 10, host: true, disposeError: new GemmkitError('E_OOM', 'boom') })],
    });
    await expect(g1.dispose()).rejects.toMatchObject({ code: 'E_OOM' });
    const g2 = await createContext({
      backends: [fake('cpu', { priority: 10, host: true, disposeError: new Error('x') })],
    });
    await expect(g2.dispose()).rejects.toMatchObject({
      code: 'E_DEVICE',
      message: expect.stringContaining('dispose'),
    });
    const g3 = await createContext({
      backends: [
        fake('cpu', { priority: 10, host: true, syncError: new GemmkitError('E_RANGE', 'bad expert id') }),
      ],
    });
    await expect(g3.sync()).rejects.toMatchObject({ code: 'E_RANGE' });
  });

  test('tensors held in a plain host storage pass the device check on a host backend', async () => {
    const gk = await cpuOnly();
    const t = new Tensor('bf16', [1, 2, 3], new HostStorage(new Uint8Array(12)));
    expect(gk.ops.bmmFp16({ ...args(), a: t }).shape).toEqual([1, 2, 4]);
  });
});
