import { OP_NAMES } from '@gemmkit/core';
import pc from 'picocolors';
import { type ProbeResult, probeAll } from '../backends.js';
import { makeTable } from '../report/table.js';

function features(r: ProbeResult): string {
  const f = r.capabilities?.features ?? {};
  return Object.entries(f)
    .filter(([, v]) => v !== false)
    .map(([k, v]) => (v === true ? k : `${k}=${v}`))
    .join(', ');
}

/** `gemmkit info`: every backend probed, why unavailable, device, arch, features, op coverage. */
export async function infoCommand(opts: { json?: boolean }, out: (s: string) => void): Promise<number> {
  const results = await probeAll();
  if (opts.json) {
    out(JSON.stringify({ ops: OP_NAMES, backends: results }, null, 2));
    return 0;
  }
  const table = makeTable(['backend', 'status', 'device', 'arch', 'ops', 'features / reason']);
  for (const r of results) {
    const c = r.capabilities;
    table.push([
      pc.bold(r.name),
      r.available ? pc.green('available') : pc.red('unavailable'),
      c?.device ?? '-',
      c?.arch ?? '-',
      c ? `${c.ops.length}/${OP_NAMES.length}` : '-',
      r.available ? features(r) || '-' : pc.dim(r.reason ?? 'unknown reason'),
    ]);
  }
  out(table.toString());
  const best = results.filter((r) => r.available).sort((a, b) => b.priority - a.priority)[0];
  out(best ? `best backend: ${pc.bold(best.name)}` : pc.red('no backend is available'));
  return 0;
}
