import { type Context, createContext, fail } from '@gemmkit/core';
import { BACKEND_NAMES, factoriesOf, loadFactories } from './backends.js';

export interface Session {
  gk: Context;
  /** The backends under test, in the order asked (the best available one for 'auto'). */
  backends: string[];
  /** The reference backend name ('cpu'). */
  reference: string;
}

/** Split `--backend a,b` into names; `auto` (or nothing) = the best available, `all` = every available. */
export function parseBackends(spec: string | undefined): string[] | 'auto' | 'all' {
  if (spec === undefined || spec === '' || spec === 'auto') return 'auto';
  if (spec === 'all') return 'all';
  const names = spec.split(',').map((s) => s.trim());
  for (const n of names)
    if (!BACKEND_NAMES.includes(n as (typeof BACKEND_NAMES)[number]))
      fail('E_DEVICE', `unknown backend '${n}'`, {
        arg: '--backend',
        expected: ['auto', 'all', ...BACKEND_NAMES],
        actual: n,
      });
  return names;
}

/**
 * A context holding the backends under test plus the CPU reference. Only the needed backends are created
 * (`--backend cpu` never initializes a GPU). A named backend that is unavailable is an E_DEVICE error
 * naming why.
 */
export async function openSession(spec: string | undefined): Promise<Session> {
  const want = parseBackends(spec);
  const loaded = await loadFactories();
  const needed = Array.isArray(want)
    ? loaded.filter((l) => l.name === 'cpu' || want.includes(l.name))
    : loaded;
  if (Array.isArray(want))
    for (const n of want) {
      const l = loaded.find((x) => x.name === n)!;
      if (!l.factory) fail('E_DEVICE', `backend '${n}' is unavailable: ${l.loadError}`, { arg: '--backend' });
    }
  if (!needed.some((l) => l.name === 'cpu' && l.factory))
    fail('E_DEVICE', 'the CPU reference backend is unavailable', {
      arg: 'backend-cpu',
      actual: loaded.find((l) => l.name === 'cpu')?.loadError,
    });
  const gk = await createContext({
    backends: factoriesOf(needed),
    prefer: Array.isArray(want) ? want[0] : 'auto',
    validate: 'full',
  });
  let backends: string[];
  if (want === 'auto') backends = [gk.backend.name];
  else if (want === 'all') backends = gk.status.filter((s) => s.available).map((s) => s.name);
  else {
    for (const n of want) gk.get(n); // E_DEVICE with the probe's reason when unavailable
    backends = want;
  }
  return { gk, backends, reference: 'cpu' };
}
