import type { ParamSpec } from './types.js';

/** How tokens spread over experts: the group sizes of a MoE GEMM. */
export const GROUP_SIZES: ParamSpec = {
  name: 'groupSizes',
  label: 'group sizes',
  kind: 'enum',
  values: ['balanced', 'skewed', 'sparse'],
  default: 'skewed',
  help: 'balanced: every expert gets M rows; skewed: a linear ramp with mean M; sparse: every third expert empty',
};

/** Rows per expert for `groups` experts with mean `m` (deterministic: the same link gives the same sizes). */
export function groupCounts(kind: string, groups: number, m: number): number[] {
  return Array.from({ length: groups }, (_, e) => {
    if (kind === 'balanced') return m;
    if (kind === 'sparse') return e % 3 === 1 ? 0 : Math.round((m * 3) / 2);
    return Math.round((2 * m * (e + 1)) / (groups + 1));
  });
}
