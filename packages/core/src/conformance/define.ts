import type { BackendFactory } from '../backend.js';
import { createContext } from '../context.js';
import { badInputCases, conformanceCases } from './cases/index.js';
import { runBadInputCase, runConformanceCase } from './run.js';
import { runStridedCase } from './strided.js';
import type { AnyBadInputCase, AnyConformanceCase } from './types.js';

/** The few test-runner functions the suite needs (vitest, jest, node:test adapters all fit). */
export interface ConformanceRunner {
  describe(name: string, fn: () => void): void;
  it(name: string, fn: () => Promise<void>): void;
  expect(value: unknown): { toEqual(expected: unknown): void };
  /** Called once after all cases, to dispose the context. Optional. */
  afterAll?(fn: () => Promise<void>): void;
}

export interface DefineConformanceOptions extends ConformanceRunner {
  /** The backend under test. */
  factory: BackendFactory;
  /** The reference backend (normally `cpu()`). */
  reference: BackendFactory;
  /** Keep only some cases (by op, name, or kind). */
  filter?(c: AnyConformanceCase | AnyBadInputCase, kind: 'conformance' | 'bad-input'): boolean;
  /**
   * Also run every kept conformance case with its tensors as padded, non-contiguous views
   * (`runStridedCase`): each must work or be refused with E_LAYOUT naming the argument. Default true.
   */
  strided?: boolean;
}

/**
 * Register the shared conformance suite for one backend with any test runner: one test per
 * conformance case and per bad-input case, for every op the backend has a kernel for.
 * Async because the backend must be created to know its ops: `await defineConformance({...})` at the
 * top level of a test file. Throws GemmkitError('E_DEVICE') when the backend is unavailable.
 */
export async function defineConformance(opts: DefineConformanceOptions): Promise<void> {
  const { factory, reference } = opts;
  const backends = factory.name === reference.name ? [factory] : [factory, reference];
  const ctx = await createContext({ backends, validate: 'full' });
  const backend = ctx.get(factory.name);
  ctx.get(reference.name);
  const ops = new Set<string>(backend.capabilities.ops);
  const keep = (c: AnyConformanceCase | AnyBadInputCase, kind: 'conformance' | 'bad-input') =>
    ops.has(c.op) && (opts.filter ? opts.filter(c, kind) : true);

  opts.describe(`conformance on '${factory.name}' (reference '${reference.name}')`, () => {
    for (const c of conformanceCases) {
      if (!keep(c, 'conformance')) continue;
      opts.it(`${c.op}: ${c.name}`, async () => {
        const r = await runConformanceCase(ctx, c, { backend: factory.name, reference: reference.name });
        opts.expect(r.failures).toEqual([]);
      });
    }
    if (opts.strided !== false)
      for (const c of conformanceCases) {
        if (!keep(c, 'conformance')) continue;
        opts.it(`${c.op}: ${c.name} (strided views)`, async () => {
          const r = await runStridedCase(ctx, c, { backend: factory.name, reference: reference.name });
          opts.expect(r.failures).toEqual([]);
        });
      }
    for (const c of badInputCases) {
      if (!keep(c, 'bad-input')) continue;
      opts.it(`${c.op} rejects ${c.name} with ${c.code}`, async () => {
        const r = await runBadInputCase(ctx, c, { backend: factory.name });
        opts.expect(r.failures).toEqual([]);
      });
    }
  });
  opts.afterAll?.(() => ctx.dispose());
}
