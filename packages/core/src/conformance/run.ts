import type { Context } from '../context.js';
import { GemmkitError } from '../errors.js';
import { calcDiff, valuesOf } from '../numerics.js';
import type { Tensor } from '../tensor.js';
import { mapTensors, moveView } from './args.js';
import type { AnyBadInputCase, AnyConformanceCase, CaseResult } from './types.js';
import { freshView } from './values.js';

export interface RunCaseOptions {
  /** Backend under test (a name available in `ctx`). */
  backend: string;
  /** Reference backend, default 'cpu'. */
  reference?: string;
  /** Default: a hash of `op/name`, so every case gets its own data and reruns are reproducible. */
  seed?: number;
  /**
   * Rewrite the host arguments for the backend under test only (the reference gets them as built), e.g. into
   * strided views of the same values (`runStridedCase`).
   */
  backendArgs?: <T>(hostArgs: T) => T;
}

/** FNV-1a of a string: the per-case seed. */
export function seedOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

type Outputs = Record<string, Tensor>;

async function runOnce(ctx: Context, c: AnyConformanceCase, hostArgs: unknown, backend: string) {
  const isOutput = (path: string) =>
    c.outputArgs ? c.outputArgs.includes(path) : /^out($|[A-Z])/.test(path);
  const fresh = mapTensors(hostArgs, (t, path) =>
    isOutput(path) ? freshView(t, c.out === 'keep' ? 'copy' : 'poison') : t,
  );
  const args = mapTensors(fresh, (t) => moveView(ctx, t, backend));
  const result = ctx.run(c.op, args as any, { backend });
  await ctx.get(backend).sync();
  const sel = c.output ? (c.output as any)(result, args) : result;
  // A tensor, or the tensor fields of a result record (e.g. `{ out, signal, blockM }`).
  const named: Outputs = isTensorLike(sel)
    ? { out: sel }
    : Object.fromEntries(Object.entries(sel as object).filter(([, v]) => isTensorLike(v)));
  const host: Outputs = {};
  for (const [k, t] of Object.entries(named)) host[k] = await t.toHost();
  return host;
}

function isTensorLike(v: unknown): v is Tensor {
  return v !== null && typeof v === 'object' && 'storage' in v && 'shape' in v && 'dtype' in v;
}

function firstBad(v: Float64Array): number {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return i;
  return -1;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/**
 * Run one case on `backend` and on the reference: inputs moved with their views, `out` NaN-poisoned,
 * outputs compared (shape, dtype, NaN/inf, calcDiff, max-abs), then the backend runs again and must
 * reproduce its output bit for bit. Never throws for a mismatch: read `failures`.
 */
export async function runConformanceCase(
  ctx: Context,
  c: AnyConformanceCase,
  opts: RunCaseOptions,
): Promise<CaseResult> {
  const seed = opts.seed ?? seedOf(`${c.op}/${c.name}`);
  const reference = opts.reference ?? 'cpu';
  const hostArgs = c.build(seed);
  const failures: string[] = [];
  const metrics: Record<string, { calcDiff: number; maxAbs: number; elements: number }> = {};
  const fail = (e: unknown, where: string) =>
    failures.push(`${where} threw ${e instanceof GemmkitError ? e.message : String(e)}`);

  let ref: Outputs;
  let got: Outputs;
  try {
    ref = await runOnce(ctx, c, hostArgs, reference);
  } catch (e) {
    fail(e, `reference '${reference}'`);
    return { ok: false, failures, metrics };
  }
  const backendArgs = opts.backendArgs ? opts.backendArgs(hostArgs) : hostArgs;
  try {
    got = await runOnce(ctx, c, backendArgs, opts.backend);
  } catch (e) {
    fail(e, `backend '${opts.backend}'`);
    return { ok: false, failures, metrics };
  }

  for (const [name, r] of Object.entries(ref)) {
    const g = got[name];
    if (!g) {
      failures.push(`${name}: missing from the backend's outputs`);
      continue;
    }
    if (g.dtype !== r.dtype || g.shape.join() !== r.shape.join()) {
      failures.push(`${name}: got ${g.dtype}[${g.shape}], reference ${r.dtype}[${r.shape}]`);
      continue;
    }
    const x = valuesOf(g);
    const y = valuesOf(r);
    const fx: number[] = [];
    const fy: number[] = [];
    let maxAbs = 0;
    let mismatch = -1;
    for (let i = 0; i < x.length; i++) {
      const xf = Number.isFinite(x[i]);
      const yf = Number.isFinite(y[i]);
      if (xf && yf) {
        fx.push(x[i]);
        fy.push(y[i]);
        maxAbs = Math.max(maxAbs, Math.abs(x[i] - y[i]));
      } else if (mismatch < 0 && !Object.is(x[i], y[i])) mismatch = i;
    }
    if (!c.allowNonFinite) {
      const bx = firstBad(x);
      const by = firstBad(y);
      if (by >= 0) failures.push(`${name}: reference has non-finite ${y[by]} at flat index ${by}`);
      if (bx >= 0)
        failures.push(`${name}: non-finite ${x[bx]} at flat index ${bx} (unwritten or overflowed element)`);
    } else if (mismatch >= 0) {
      failures.push(
        `${name}: non-finite pattern differs at flat index ${mismatch}: got ${x[mismatch]}, reference ${y[mismatch]}`,
      );
    }
    const diff = calcDiff(fx, fy);
    metrics[name] = { calcDiff: diff, maxAbs, elements: x.length };
    if (!(diff <= c.tolerance.calcDiff))
      failures.push(`${name}: calcDiff ${diff.toExponential(3)} > ${c.tolerance.calcDiff}`);
    if (c.tolerance.maxAbs !== undefined && !(maxAbs <= c.tolerance.maxAbs))
      failures.push(`${name}: max |diff| ${maxAbs} > ${c.tolerance.maxAbs}`);
  }

  try {
    const again = await runOnce(ctx, c, backendArgs, opts.backend);
    for (const [name, g] of Object.entries(got)) {
      const at = again[name] ? bytesEqual(g.hostBytes(), again[name].hostBytes()) : 0;
      if (at >= 0) failures.push(`${name}: rerun is not bitwise identical (first differing byte ${at})`);
    }
  } catch (e) {
    fail(e, `backend '${opts.backend}' rerun`);
  }
  return { ok: failures.length === 0, failures, metrics };
}

/** Run one bad-input case: the call must throw a GemmkitError with the case's code (and arg). */
export async function runBadInputCase(
  ctx: Context,
  c: AnyBadInputCase,
  opts: { backend: string; seed?: number },
): Promise<CaseResult> {
  const seed = opts.seed ?? seedOf(`${c.op}/bad/${c.name}`);
  const failures: string[] = [];
  const args = mapTensors(c.build(seed), (t) => moveView(ctx, t, opts.backend));
  try {
    ctx.run(c.op, args as any, { backend: opts.backend });
    await ctx.get(opts.backend).sync();
    failures.push(`accepted; expected ${c.code}${c.arg ? ` on ${c.arg}` : ''}`);
  } catch (e) {
    if (!(e instanceof GemmkitError)) failures.push(`threw a non-GemmkitError: ${String(e)}`);
    else {
      if (e.code !== c.code) failures.push(`threw ${e.code}, expected ${c.code}: ${e.message}`);
      if (c.arg !== undefined && e.arg !== c.arg)
        failures.push(`blamed ${e.arg}, expected ${c.arg}: ${e.message}`);
    }
  }
  return { ok: failures.length === 0, failures, metrics: {} };
}
