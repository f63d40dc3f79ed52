/** core must stay importable in browsers: no static `node:` (or bare builtin) import is reachable from src/index.ts. */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { expect, test } from 'vitest';

const BUILTINS = new Set([
  'fs',
  'path',
  'os',
  'url',
  'crypto',
  'child_process',
  'worker_threads',
  'module',
  'util',
]);

test('no static Node built-in import is reachable from src/index.ts', () => {
  const root = resolve(import.meta.dirname, '../src');
  const seen = new Set<string>();
  const offenders: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    // Static imports/re-exports only; `await import('node:...')` inside functions is the allowed lazy form.
    for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)) {
      const spec = m[1];
      if (spec.startsWith('.')) visit(join(dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (spec.startsWith('node:') || BUILTINS.has(spec)) offenders.push(`${file}: ${spec}`);
    }
    for (const m of text.matchAll(/^\s*import\s+'([^']+)'/gm))
      if (m[1].startsWith('node:')) offenders.push(`${file}: ${m[1]}`);
  };
  visit(join(root, 'index.ts'));
  expect(seen.size).toBeGreaterThan(10);
  expect(seen.has(join(root, 'io', 'node-fs.ts'))).toBe(true);
  expect(offenders).toEqual([]);
});
