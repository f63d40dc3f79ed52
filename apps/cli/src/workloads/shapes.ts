import type { ParamSpec, Params } from './types.js';

const LABELS: Record<string, string> = {
  batch: 'batch B',
  m: 'M (tokens)',
  n: 'N (out features)',
  k: 'K (in features)',
  groups: 'experts E',
};

/** Int params for problem dimensions, with defaults; `multipleOf` where the op's layout needs it. */
export function dims(defaults: Record<string, number>, multipleOf: Record<string, number> = {}): ParamSpec[] {
  return Object.entries(defaults).map(([name, d]) => ({
    name,
    label: LABELS[name] ?? name,
    kind: 'int' as const,
    default: d,
    min: name === 'batch' || name === 'groups' ? 1 : 0,
    max: 65536,
    ...(multipleOf[name] ? { multipleOf: multipleOf[name] } : {}),
  }));
}

/** FP8 operand dtypes A×B: e5m2×e5m2 is not a supported pair (one operand must be e4m3). */
export const FP8_PAIR: ParamSpec = {
  name: 'dtypes',
  label: 'A × B dtypes',
  kind: 'enum',
  values: ['e4m3×e4m3', 'e5m2×e4m3', 'e4m3×e5m2'],
  default: 'e4m3×e4m3',
};

export function fp8Pair(p: Params): ['e4m3' | 'e5m2', 'e4m3' | 'e5m2'] {
  const [a, b] = String(p.dtypes).split('×');
  return [a as 'e4m3' | 'e5m2', b as 'e4m3' | 'e5m2'];
}
