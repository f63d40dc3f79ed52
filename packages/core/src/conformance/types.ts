import type { ErrorCode } from '../errors.js';
import type { OpArgs, OpName, OpResult } from '../ops/index.js';
import type { Tensor } from '../tensor.js';

/** Acceptance bounds of one case. `calcDiff` is DeepGEMM's 1 - 2Σxy/Σ(x²+y²) over finite elements. */
export interface Tolerance {
  readonly calcDiff: number;
  /** Optional bound on max |x - y| over finite elements. */
  readonly maxAbs?: number;
}

/** Tolerances of the design brief §5. */
export const TOLERANCE = {
  /** Backend vs the reference computed from the same (dequantized) inputs. */
  dequantized: { calcDiff: 1e-5 },
  /** An FP8 output adds one e4m3 rounding per element; two backends may land on neighbouring codes. */
  fp8Output: { calcDiff: 1e-3 },
  /** Against unquantized inputs. */
  fp8VsUnquantized: { calcDiff: 1e-3 },
  fp8Fp4VsUnquantized: { calcDiff: 1e-2 },
  fp4VsUnquantized: { calcDiff: 2e-2 },
} as const satisfies Record<string, Tolerance>;

/**
 * One conformance case: host arguments built from a seed, run on the backend under test and on the
 * reference backend, compared on the selected output(s).
 */
export interface ConformanceCase<K extends OpName = OpName> {
  readonly op: K;
  /** Short, unique within the op, e.g. `'m=1 n=257 k=384 bf16'`. */
  readonly name: string;
  /** Fresh host tensors for the call (same seed → same data). Put `out` (and `out*`) in the args to have them NaN-poisoned. */
  build(seed: number): OpArgs<K>;
  /** The tensors to compare; default: the op's result, which must be a Tensor. */
  output?(result: OpResult<K>, args: OpArgs<K>): Tensor | Readonly<Record<string, Tensor>>;
  /**
   * 'poison' (default): `args.out` is replaced by a NaN-filled tensor of the same view before each run, so
   * an unwritten element shows. 'keep': `out` is an input too (accumulating ops) and is copied per run.
   */
  readonly out?: 'poison' | 'keep';
  /**
   * Top-level argument names that are outputs written by the op (poisoned or copied per run as `out` says).
   * Default: every tensor argument whose name starts with `out` (`out`, `outScale`, `outGlobalScale`, ...).
   */
  readonly outputArgs?: readonly string[];
  /**
   * Non-finite outputs are expected in places (masked rows left untouched, -inf logits); they must then
   * match the reference exactly in position and value. Default false: any NaN/inf is a failure.
   */
  readonly allowNonFinite?: boolean;
  readonly tolerance: Tolerance;
}

/** A call that must be rejected with `code` (and `arg`, when given) before any kernel runs. */
export interface BadInputCase<K extends OpName = OpName> {
  readonly op: K;
  readonly name: string;
  build(seed: number): OpArgs<K>;
  readonly code: ErrorCode;
  /** Expected `GemmkitError.arg`, e.g. `'bmmFp8.aScale'`. */
  readonly arg?: string;
}

export type AnyConformanceCase = { [K in OpName]: ConformanceCase<K> }[OpName];
export type AnyBadInputCase = { [K in OpName]: BadInputCase<K> }[OpName];

/** Outcome of running one case. `failures` is empty when the case passed. */
export interface CaseResult {
  readonly ok: boolean;
  readonly failures: readonly string[];
  /** Per compared output: metrics against the reference. */
  readonly metrics: Readonly<Record<string, { calcDiff: number; maxAbs: number; elements: number }>>;
}
