#!/usr/bin/env node
// Self time per function of a V8 .cpuprofile (node --cpu-prof), heaviest first: which JS functions a launch
// loop spends its time in.   node profile-summary.mjs FILE.cpuprofile [--top N]
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
const top = argv.includes('--top') ? Number(argv[argv.indexOf('--top') + 1]) : 30;
const file = argv.find((a) => a.endsWith('.cpuprofile'));
if (!file) throw new Error('usage: profile-summary.mjs FILE.cpuprofile [--top N]');
const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map();
// Each sample hits one node; the time until the next sample is that node's self time.
for (let i = 0; i < prof.samples.length; i++) {
  const n = byId.get(prof.samples[i]);
  const dt = prof.timeDeltas[i + 1] ?? 0;
  const f = n.callFrame;
  const where = f.url ? `${f.url.replace(/^.*\/(packages|node_modules)\//, '$1/')}:${f.lineNumber + 1}` : '';
  const key = `${f.functionName || '(anonymous)'}  ${where}`;
  self.set(key, (self.get(key) ?? 0) + dt);
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
for (const [k, us] of rows) console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
