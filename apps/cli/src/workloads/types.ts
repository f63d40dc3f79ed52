import type { OpName } from '@gemmkit/core';
import type { ConformanceCase } from '@gemmkit/core/conformance';

import type { Precision } from '../bench/ceilings.js';

export type { Precision };

export type ParamValue = number | string;
export type Params = Readonly<Record<string, ParamValue>>;

/** One knob of a workload (a shape dimension, a dtype, a scale granularity, a layout). */
export interface ParamSpec {
  readonly name: string;
  readonly label: string;
  readonly kind: 'int' | 'enum';
  /** Choices of an enum. */
  readonly values?: readonly ParamValue[];
  readonly default: ParamValue;
  readonly min?: number;
  readonly max?: number;
  /** Valid ints are multiples of this (e.g. K % 128 for block scales). */
  readonly multipleOf?: number;
  readonly help?: string;
}

/** Size presets: `tiny` for tests, `small` for the CPU reference, `medium`/`large` for GPUs. */
export const SIZE_PRESETS = ['tiny', 'small', 'medium', 'large'] as const;
export type SizePreset = (typeof SIZE_PRESETS)[number];

/**
 * A parameterized problem for one op: builds conformance-style cases (host args + how to compare) at any
 * size, so `demo`, `bench` and the playground share one definition per op.
 */
export interface Workload<K extends OpName = OpName> {
  readonly op: K;
  readonly title: string;
  readonly precision: Precision;
  readonly params: readonly ParamSpec[];
  /** Overrides of the defaults per size preset. */
  readonly sizes: Readonly<Record<SizePreset, Params>>;
  /** The parameter a sweep varies (the token count M for GEMMs); undefined when it has no size knob. */
  readonly sweep: string | undefined;
  /** Short shape text, e.g. `M=256 N=512 K=1024 e4m3→bf16`. */
  describe(p: Params): string;
  /** A case (fresh host args from a seed, tolerance, output selection) for resolved params. */
  make(p: Params): ConformanceCase<K>;
}
