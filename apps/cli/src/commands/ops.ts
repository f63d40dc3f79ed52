import { contracts, OP_NAMES } from '@gemmkit/core';
import { conformanceCases } from '@gemmkit/core/conformance';
import { makeTable } from '../report/table.js';
import { workloadOf } from '../workloads/index.js';

/** `gemmkit ops`: the op registry, each op's math, and what the CLI can do with it. */
export async function opsCommand(out: (s: string) => void): Promise<number> {
  const t = makeTable(['op', 'math', 'workload', 'cases']);
  for (const op of OP_NAMES) {
    const doc = (contracts[op] as { doc: string }).doc;
    t.push([
      op,
      doc.length > 70 ? `${doc.slice(0, 67)}...` : doc,
      workloadOf(op) ? 'yes' : '-',
      String(conformanceCases.filter((c) => c.op === op).length),
    ]);
  }
  out(t.toString());
  return 0;
}
