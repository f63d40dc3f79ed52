import { contracts, fail, OP_NAMES, type OpName } from '@gemmkit/core';
import { conformanceCases } from '@gemmkit/core/conformance';
import { makeTable } from '../report/table.js';
import { SIZE_PRESETS, workloadOf, workloads } from '../workloads/index.js';

/**
 * `gemmkit ops`: the op registry, each op's math and what the CLI can do with it.
 * `gemmkit ops <op>`: that op's math and its workload knobs (for `bench --set` and the playground).
 */
export async function opsCommand(op: string | undefined, out: (s: string) => void): Promise<number> {
  const doc = (o: OpName) => (contracts[o] as { doc: string }).doc;
  if (op === undefined) {
    const t = makeTable(['op', 'math', 'workload', 'cases']);
    for (const o of OP_NAMES) {
      const d = doc(o);
      t.push([
        o,
        d.length > 70 ? `${d.slice(0, 67)}...` : d,
        workloads[o] ? 'sized' : workloadOf(o) ? 'cases' : '-',
        String(conformanceCases.filter((c) => c.op === o).length),
      ]);
    }
    out(t.toString());
    return 0;
  }
  if (!OP_NAMES.includes(op as OpName))
    fail('E_UNSUPPORTED', `unknown op '${op}'`, { arg: 'op', expected: OP_NAMES, actual: op });
  const w = workloadOf(op as OpName);
  out(`${op}: ${doc(op as OpName)}`);
  if (!w) return 0;
  out(`workload: ${w.title}${w.sweep ? `; sweeps ${w.sweep}` : ''}`);
  const t = makeTable(['param', 'values', 'default', ...SIZE_PRESETS]);
  for (const p of w.params)
    t.push([
      p.name,
      p.kind === 'enum'
        ? p.values!.join(' | ')
        : `int ${p.min ?? 0}..${p.max ?? '∞'}${p.multipleOf ? `, ×${p.multipleOf}` : ''}`,
      String(p.default),
      ...SIZE_PRESETS.map((s) => (w.sizes[s][p.name] === undefined ? '' : String(w.sizes[s][p.name]))),
    ]);
  out(t.toString());
  return 0;
}
