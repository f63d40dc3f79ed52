export { mapTensors, moveView } from './args.js';
export { badInputCases, conformanceCases } from './cases/index.js';
export { type ConformanceRunner, type DefineConformanceOptions, defineConformance } from './define.js';
export { type RunCaseOptions, runBadInputCase, runConformanceCase, seedOf } from './run.js';
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
