/**
 * `@gemmkit/core/conformance`: the one conformance suite every backend runs (brief §5), runner-agnostic.
 *
 * - Cases live in `cases/<op-kebab>.ts`, exporting `<op>Cases: ConformanceCase<'op'>[]` (host args from a
 *   seed, tolerance, optional output selection) and `<op>BadInputs: BadInputCase<'op'>[]` (args + expected
 *   error code and blamed argument); `cases/index.ts` spreads them into `conformanceCases` / `badInputCases`.
 * - `runConformanceCase(ctx, case, { backend, reference })` moves inputs (keeping strides), NaN-poisons
 *   `out*` arguments, runs backend and reference, compares (non-finite, calcDiff, max-abs) and reruns for
 *   bitwise equality; `runBadInputCase` checks the GemmkitError code and arg.
 * - `runStridedCase(ctx, case, opts)` runs a case with every tensor argument as a padded, non-contiguous view
 *   (`paddedView`) against the reference on the arguments as built: each strided argument must either work or
 *   be refused with E_LAYOUT naming it (by the contract or the backend).
 * - `await defineConformance({ factory, reference: cpu(), describe, it, expect, afterAll })` registers one
 *   test per case for the ops the backend has kernels for.
 * No dependency on any test runner.
 */
export { mapTensors, moveView } from './args.js';
export { badInputCases, conformanceCases } from './cases/index.js';
export { type ConformanceRunner, type DefineConformanceOptions, defineConformance } from './define.js';
export { type RunCaseOptions, runBadInputCase, runConformanceCase, seedOf } from './run.js';
export { paddedView, runStridedCase, type StridedCaseResult } from './strided.js';
export {
  type AnyBadInputCase,
  type AnyConformanceCase,
  type BadInputCase,
  type CaseResult,
  type ConformanceCase,
  TOLERANCE,
  type Tolerance,
} from './types.js';
export { freshView } from './values.js';
