import type { Context } from '../context.js';
import { dtypeBytes } from '../dtype.js';
import { GemmkitError } from '../errors.js';
import { contracts } from '../ops/index.js';
import { forEachOffset, nanTensor } from '../random.js';
import type { HostStorage } from '../storage.js';
import { Tensor } from '../tensor.js';
import { mapTensors, moveView } from './args.js';
import { type RunCaseOptions, runConformanceCase, seedOf } from './run.js';
import type { AnyConformanceCase, CaseResult } from './types.js';

/**
 * The same values as host tensor `t` in a non-contiguous view, as slicing a larger buffer makes one: every
 * dimension but the innermost in memory gets padded (longer row strides), the view starts 16 bytes into its
 * storage, and the memory order of `t` is kept (a transposed operand stays transposed). Rank-1 tensors get
 * stride 2. Row strides stay multiples of 16 bytes where the row allows it, so alignment rules are not what
 * rejects the view. Padding holds the poison pattern (NaN / sentinels): a kernel that reads it shows.
 */
export function paddedView(t: Tensor): Tensor {
  if (t.rank === 0 || t.numel === 0) return t;
  const eb = dtypeBytes(t.dtype);
  const offset = Math.max(1, Math.floor(16 / eb));
  const r = t.rank;
  // Dimensions from outermost to innermost in memory (ties: the later logical dimension is inner).
  const order = [...Array(r).keys()].sort((a, b) => t.strides[b] - t.strides[a] || a - b);
  const phys = order.map((d) => t.shape[d]);
  let innerStride = 1;
  if (r === 1) innerStride = 2;
  else {
    const n = phys[r - 1];
    let pad = 1;
    while (((n + pad) * eb) % 16 !== 0 && pad < 16) pad++;
    phys[r - 1] = n + pad;
    for (let i = 1; i < r - 1; i++) phys[i] += 1;
  }
  const physStrides = new Array<number>(r);
  let s = innerStride;
  for (let i = r - 1; i >= 0; i--) {
    physStrides[i] = s;
    s *= phys[i];
  }
  const strides = new Array<number>(r);
  order.forEach((d, i) => {
    strides[d] = physStrides[i];
  });
  const parent = nanTensor(t.dtype, [offset + s]);
  const view = new Tensor(t.dtype, t.shape, parent.storage, strides, offset);
  const src = t.hostBytes();
  const dst = (parent.storage as HostStorage).bytes;
  forEachOffset(view, (off, i) => dst.set(src.subarray(i * eb, (i + 1) * eb), off * eb));
  return view;
}

/** Outcome of one strided run: which arguments went in strided, which were refused (and by whom). */
export interface StridedCaseResult extends CaseResult {
  readonly strided: readonly string[];
  readonly refused: ReadonlyArray<{ arg: string; by: 'contract' | 'backend' }>;
}

/**
 * Run conformance case `c` with its tensor arguments as padded (non-contiguous) views on `opts.backend`,
 * against the reference on the original (contiguous or as-built) arguments. Strided inputs are allowed to be
 * refused only with E_LAYOUT naming the argument, by the op contract or by the backend; such an argument is
 * then passed as built and the case retried, so every argument either works strided or is refused cleanly.
 * Any other error, a result that differs from the reference, or an E_LAYOUT the reference itself raises
 * for an argument the contract accepted (the reference must handle every view the contract allows) fails.
 */
export async function runStridedCase(
  ctx: Context,
  c: AnyConformanceCase,
  opts: RunCaseOptions,
): Promise<StridedCaseResult> {
  const reference = opts.reference ?? 'cpu';
  const seed = opts.seed ?? seedOf(`${c.op}/${c.name}`);
  const probeArgs = c.build(seed);
  const padded = new Set<string>();
  mapTensors(probeArgs, (t, path) => {
    if (t.rank > 0 && t.numel > 0) padded.add(path);
    return t;
  });
  const refused: Array<{ arg: string; by: 'contract' | 'backend' }> = [];
  const stridedArgs = <T>(host: T) => mapTensors(host, (t, p) => (padded.has(p) ? paddedView(t) : t));
  const layoutArg = (e: unknown): string | undefined => {
    if (!(e instanceof GemmkitError) || e.code !== 'E_LAYOUT' || !e.arg) return undefined;
    const p = e.arg.startsWith(`${c.op}.`) ? e.arg.slice(c.op.length + 1) : undefined;
    return p !== undefined && padded.has(p) ? p : undefined;
  };

  for (;;) {
    // Contract first: which strided arguments does the op accept at all?
    const host = stridedArgs(probeArgs);
    try {
      (contracts[c.op].validate as (a: unknown, m: 'fast') => unknown)(host, 'fast');
    } catch (e) {
      const p = layoutArg(e);
      if (p === undefined)
        return result([`contract rejected strided views with ${String(e)}`], padded, refused);
      padded.delete(p);
      refused.push({ arg: p, by: 'contract' });
      continue;
    }
    if (padded.size === 0) return result([], padded, refused);
    // The backend under test on strided views vs the reference on the arguments as built.
    const r = await runConformanceCase(ctx, c, { ...opts, seed, reference, backendArgs: stridedArgs });
    if (r.ok) return { ...r, strided: [...padded], refused };
    // A failure may be a clean E_LAYOUT refusal by the backend: find out from one direct call.
    let refusedArg: string | undefined;
    try {
      const args = mapTensors(stridedArgs(probeArgs), (t) => moveView(ctx, t, opts.backend));
      ctx.run(c.op, args as never, { backend: opts.backend });
      await ctx.get(opts.backend).sync();
    } catch (e) {
      refusedArg = layoutArg(e);
    }
    if (refusedArg === undefined || opts.backend === reference)
      return { ...r, strided: [...padded], refused };
    padded.delete(refusedArg);
    refused.push({ arg: refusedArg, by: 'backend' });
  }
}

function result(
  failures: string[],
  padded: Set<string>,
  refused: StridedCaseResult['refused'],
): StridedCaseResult {
  return { ok: failures.length === 0, failures, metrics: {}, strided: [...padded], refused };
}
