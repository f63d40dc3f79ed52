import { fail } from '@gemmkit/core';
import type { Params, ParamValue, SizePreset, Workload } from './types.js';
import { SIZE_PRESETS } from './types.js';

/**
 * Defaults, then the size preset, then explicit overrides; every value checked against its spec so a bad
 * URL or `--set` gives one precise error instead of a confusing op failure.
 */
export function resolveParams(
  w: Workload,
  size: SizePreset = 'small',
  overrides: Readonly<Record<string, ParamValue | undefined>> = {},
): Params {
  if (!SIZE_PRESETS.includes(size))
    fail('E_UNSUPPORTED', 'unknown size preset', { arg: 'size', expected: SIZE_PRESETS, actual: size });
  const out: Record<string, ParamValue> = {};
  for (const s of w.params) out[s.name] = s.default;
  Object.assign(out, w.sizes[size]);
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) continue;
    const spec = w.params.find((s) => s.name === k);
    if (!spec)
      fail('E_UNSUPPORTED', `unknown parameter '${k}' for ${w.op}`, {
        arg: `${w.op}.params`,
        expected: w.params.map((s) => s.name),
        actual: k,
      });
    out[k] = coerce(w, spec.name, v);
  }
  for (const s of w.params) out[s.name] = coerce(w, s.name, out[s.name]);
  return out;
}

function coerce(w: Workload, name: string, v: ParamValue): ParamValue {
  const spec = w.params.find((s) => s.name === name)!;
  const arg = `${w.op}.${name}`;
  if (spec.kind === 'enum') {
    const hit = spec.values!.find((x) => String(x) === String(v));
    if (hit === undefined)
      fail('E_UNSUPPORTED', 'unsupported value', { arg, expected: spec.values, actual: v });
    return hit;
  }
  const n = typeof v === 'number' ? v : Number(v);
  const min = spec.min ?? 0;
  const max = spec.max ?? 1 << 20;
  if (!Number.isInteger(n) || n < min || n > max)
    fail('E_RANGE', 'integer out of range', { arg, expected: `integer in [${min}, ${max}]`, actual: v });
  if (spec.multipleOf && n % spec.multipleOf !== 0)
    fail('E_ALIGN', `must be a multiple of ${spec.multipleOf}`, {
      arg,
      expected: `k·${spec.multipleOf}`,
      actual: n,
    });
  return n;
}

/** Parse `k=v` pairs from the command line. */
export function parseAssignments(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0)
      fail('E_UNSUPPORTED', 'expected name=value', { arg: '--set', expected: 'name=value', actual: p });
    out[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
  }
  return out;
}
