import type { ArgsOf, PlanOf, ResultOf } from '../op.js';
import { bmmFp16 } from './bmm-fp16.js';

export type { BmmFp16Args, BmmFp16Plan } from './bmm-fp16.js';

/**
 * The op registry: every op contract of gemmkit, by its public (camelCase) name.
 * Backends implement a subset through `Backend.kernels`.
 */
export const contracts = {
  bmmFp16,
} as const;

export type Contracts = typeof contracts;
export type OpName = keyof Contracts & string;
export type OpArgs<K extends OpName> = ArgsOf<Contracts[K]>;
export type OpPlan<K extends OpName> = PlanOf<Contracts[K]>;
export type OpResult<K extends OpName> = ResultOf<Contracts[K]>;
export const OP_NAMES = Object.keys(contracts) as OpName[];
