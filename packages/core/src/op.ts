import type { Tensor } from './tensor.js';

/** How much of the input is checked before launch: 'full' also reads host-resident index data. */
export type ValidateMode = 'full' | 'fast';

/**
 * One record per op (brief §2): typed inputs, `validate` that normalizes shapes and throws precise
 * GemmkitErrors, cost model, and the math in `doc`. `Result` is carried as a phantom type.
 */
export interface OpContract<Args, Plan, Result> {
  readonly name: string;
  /** The math the op computes, in plain text. */
  readonly doc: string;
  validate(args: Args, mode?: ValidateMode): Plan;
  /** Floating-point operations of the planned problem (2 per multiply-add). */
  flops(plan: Plan): number;
  /** Bytes that must move: each input once, the output once. */
  bytes(plan: Plan): number;
  /** Phantom: never set at run time. */
  readonly __result?: Result;
}

export function defineOp<Args, Plan, Result>(
  c: OpContract<Args, Plan, Result>,
): OpContract<Args, Plan, Result> {
  return Object.freeze(c);
}

export type ArgsOf<C> = C extends OpContract<infer A, any, any> ? A : never;
export type PlanOf<C> = C extends OpContract<any, infer P, any> ? P : never;
export type ResultOf<C> = C extends OpContract<any, any, infer R> ? R : never;

/** Every Tensor reachable from op arguments (one level into arrays/tuples/objects), with its argument path. */
export function tensorsIn(args: unknown, prefix = ''): Array<[string, Tensor]> {
  const out: Array<[string, Tensor]> = [];
  const visit = (v: unknown, path: string, depth: number) => {
    if (v === null || typeof v !== 'object' || depth > 3) return;
    if (isTensor(v)) {
      out.push([path, v]);
      return;
    }
    if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${path}[${i}]`, depth + 1));
    else if (Object.getPrototypeOf(v) === Object.prototype)
      for (const [k, x] of Object.entries(v)) visit(x, path ? `${path}.${k}` : k, depth + 1);
  };
  visit(args, prefix, 0);
  return out;
}

/**
 * true when `pred` holds for every Tensor reachable from op arguments (the same places `tensorsIn` visits).
 * Allocation-free, for the per-call check in `Context.run`; `tensorsIn` names the argument when one fails.
 */
export function everyTensor(args: unknown, pred: (t: Tensor) => boolean): boolean {
  return visitAll(args, pred, 0);
}

function visitAll(v: unknown, pred: (t: Tensor) => boolean, depth: number): boolean {
  if (v === null || typeof v !== 'object' || depth > 3) return true;
  if (isTensor(v)) return pred(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!visitAll(v[i], pred, depth + 1)) return false;
  } else if (Object.getPrototypeOf(v) === Object.prototype) {
    const o = v as Record<string, unknown>;
    for (const k in o) if (Object.hasOwn(o, k) && !visitAll(o[k], pred, depth + 1)) return false;
  }
  return true;
}

function isTensor(v: object): v is Tensor {
  return 'storage' in v && 'dtype' in v && 'shape' in v && 'strides' in v;
}
