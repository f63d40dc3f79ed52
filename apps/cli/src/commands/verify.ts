import type { OpName } from '@gemmkit/core';
import {
  badInputCases,
  conformanceCases,
  runBadInputCase,
  runConformanceCase,
} from '@gemmkit/core/conformance';
import pc from 'picocolors';
import { EXIT } from '../errors.js';
import { fmtDiff } from '../report/format.js';
import { makeProgress } from '../report/progress.js';
import { makeTable } from '../report/table.js';
import { openSession } from '../session.js';
import { selectOps } from './select.js';

export interface VerifyOptions {
  backend?: string;
  op?: string;
  badInput?: boolean;
  json?: boolean;
  progress?: boolean;
}

interface OpSummary {
  op: OpName;
  kernel: boolean;
  cases: number;
  casesPassed: number;
  bad: number;
  badPassed: number;
  worstDiff: number;
}

interface Failure {
  op: OpName;
  kind: 'conformance' | 'bad-input' | 'kernel';
  name: string;
  reason: string;
}

/**
 * `gemmkit verify`: the shared conformance suite (vs the CPU reference, rerun bitwise) and the bad-input
 * matrix on one backend. An op without a kernel on that backend counts as a failure.
 */
export async function verifyCommand(opts: VerifyOptions, out: (s: string) => void): Promise<number> {
  const ops = selectOps(opts.op);
  const { gk, backends, reference } = await openSession(opts.backend);
  try {
    const name = backends[0];
    const caps = gk.get(name).capabilities;
    const summary = new Map<OpName, OpSummary>();
    for (const op of ops)
      summary.set(op, {
        op,
        kernel: caps.ops.includes(op),
        cases: 0,
        casesPassed: 0,
        bad: 0,
        badPassed: 0,
        worstDiff: 0,
      });
    const failures: Failure[] = [];
    const wanted = (op: OpName) => summary.get(op)?.kernel === true;
    const cases = conformanceCases.filter((c) => wanted(c.op));
    const bads = opts.badInput === false ? [] : badInputCases.filter((c) => wanted(c.op));
    if (!opts.json)
      out(
        `gemmkit verify on ${pc.bold(name)} (${caps.device}): ${cases.length} conformance + ${bads.length} bad-input cases`,
      );
    const progress = makeProgress(opts.progress !== false && !opts.json);
    progress.start(cases.length + bads.length, '');
    let done = 0;
    for (const c of cases) {
      progress.update(done++, `${c.op}: ${c.name}`);
      const s = summary.get(c.op)!;
      s.cases++;
      const r = await runConformanceCase(gk, c, { backend: name, reference });
      for (const m of Object.values(r.metrics)) s.worstDiff = Math.max(s.worstDiff, m.calcDiff);
      if (r.ok) s.casesPassed++;
      else failures.push({ op: c.op, kind: 'conformance', name: c.name, reason: r.failures[0] });
    }
    for (const c of bads) {
      progress.update(done++, `${c.op}: bad ${c.name}`);
      const s = summary.get(c.op)!;
      s.bad++;
      const r = await runBadInputCase(gk, c, { backend: name });
      if (r.ok) s.badPassed++;
      else failures.push({ op: c.op, kind: 'bad-input', name: c.name, reason: r.failures[0] });
    }
    progress.stop();
    for (const s of summary.values())
      if (!s.kernel) failures.push({ op: s.op, kind: 'kernel', name: '-', reason: `no kernel on ${name}` });
    const rows = [...summary.values()];
    if (opts.json) {
      out(JSON.stringify({ backend: name, device: caps.device, ops: rows, failures }, null, 2));
    } else {
      const t = makeTable(['op', 'kernel', 'conformance', 'bad input', 'worst calcDiff']);
      for (const s of rows) {
        const ratio = (p: number, n: number) =>
          n === 0 ? '-' : p === n ? pc.green(`${p}/${n}`) : pc.red(`${p}/${n}`);
        t.push([
          s.op,
          s.kernel ? 'yes' : pc.red('missing'),
          ratio(s.casesPassed, s.cases),
          ratio(s.badPassed, s.bad),
          s.cases ? fmtDiff(s.worstDiff) : '-',
        ]);
      }
      out(t.toString());
      const caseFailures = failures.filter((f) => f.kind !== 'kernel');
      for (const f of caseFailures.slice(0, 40))
        out(`${pc.red('FAIL')} ${f.op} [${f.kind}] ${f.name}: ${f.reason}`);
      if (caseFailures.length > 40) out(`... and ${caseFailures.length - 40} more failures`);
      const missing = failures.filter((f) => f.kind === 'kernel').map((f) => f.op);
      if (missing.length) out(`${pc.red('FAIL')} no kernel on ${name}: ${missing.join(', ')}`);
      const total = cases.length + bads.length;
      const passed = rows.reduce((a, s) => a + s.casesPassed + s.badPassed, 0);
      const verdict = failures.length
        ? pc.red(
            [
              caseFailures.length ? `${caseFailures.length} cases failed` : '',
              missing.length ? `${missing.length} ops without a kernel` : '',
            ]
              .filter(Boolean)
              .join(', '),
          )
        : pc.green('all passed');
      out(`${passed}/${total} cases passed on ${name} (${verdict})`);
    }
    return failures.length ? EXIT.failed : EXIT.ok;
  } finally {
    await gk.dispose();
  }
}
