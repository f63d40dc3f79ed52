import { contracts, OP_NAMES, type OpName } from '@gemmkit/core';
import { type AnyConformanceCase, conformanceCases } from '@gemmkit/core/conformance';
import type { Precision, Workload } from './types.js';

/** Work of a case's problem, for picking the biggest: [flops, bytes] ([-1, -1] when it does not validate). */
function costOf(c: AnyConformanceCase): [number, number] {
  try {
    const k = contracts[c.op] as unknown as {
      validate(a: unknown, m: string): unknown;
      flops(p: unknown): number;
      bytes(p: unknown): number;
    };
    const plan = k.validate(c.build(1), 'full');
    return [k.flops(plan), k.bytes(plan)];
  } catch {
    return [-1, -1];
  }
}

function precisionOf(op: string): Precision {
  if (/fp4/i.test(op)) return 'fp4';
  if (/fp8|8bit/i.test(op)) return 'fp8';
  return 'fp16';
}

const cache = new Map<OpName, Workload | undefined>();

/**
 * A workload for an op that has no dedicated one: its conformance cases, picked by name (the biggest by
 * default). This is what makes a new op appear in `demo`, `verify` and the playground with no app change;
 * it has no size knobs and no sweep.
 */
export function caseWorkload(op: OpName): Workload | undefined {
  if (!OP_NAMES.includes(op)) return undefined;
  if (cache.has(op)) return cache.get(op);
  const cases = conformanceCases.filter((c) => c.op === op);
  let w: Workload | undefined;
  if (cases.length) {
    const costs = cases.map(costOf);
    let best = 0;
    for (let i = 1; i < cases.length; i++)
      if (costs[i][0] > costs[best][0] || (costs[i][0] === costs[best][0] && costs[i][1] > costs[best][1]))
        best = i;
    w = {
      op,
      title: 'conformance cases',
      precision: precisionOf(op),
      params: [
        {
          name: 'case',
          label: 'conformance case',
          kind: 'enum',
          values: cases.map((c) => c.name),
          default: cases[best].name,
        },
      ],
      sizes: { tiny: {}, small: {}, medium: {}, large: {} },
      sweep: undefined,
      describe: (p) => String(p.case),
      make: (p) => cases.find((c) => c.name === p.case) ?? cases[best],
    };
  }
  cache.set(op, w);
  return w;
}
