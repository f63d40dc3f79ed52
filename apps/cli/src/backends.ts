import type { Backend, BackendFactory, Capabilities } from '@gemmkit/core';

/** Backend packages the CLI knows, in preference order (the factory's priority decides `auto`). */
const PACKAGES = [
  { name: 'cuda', pkg: '@gemmkit/backend-cuda', factory: 'cuda' },
  { name: 'webgpu', pkg: '@gemmkit/backend-webgpu', factory: 'webgpu' },
  { name: 'cpu', pkg: '@gemmkit/backend-cpu', factory: 'cpu' },
] as const;

export const BACKEND_NAMES = PACKAGES.map((p) => p.name);

/** A backend factory, or the reason its package could not provide one. */
export type LoadedFactory =
  | { name: string; factory: BackendFactory; loadError?: undefined }
  | { name: string; factory?: undefined; loadError: string };

/**
 * Import every backend package lazily. A package that fails to import (missing native module, not built yet)
 * is reported, not fatal: the CLI must keep working with whatever backends exist.
 */
export async function loadFactories(): Promise<LoadedFactory[]> {
  return Promise.all(
    PACKAGES.map(async (p): Promise<LoadedFactory> => {
      try {
        const mod = (await import(p.pkg)) as Record<string, unknown>;
        const make = mod[p.factory];
        if (typeof make !== 'function')
          return { name: p.name, loadError: `${p.pkg} does not export ${p.factory}() yet` };
        return { name: p.name, factory: (make as () => BackendFactory)() };
      } catch (e) {
        return { name: p.name, loadError: `cannot load ${p.pkg}: ${(e as Error).message.split('\n')[0]}` };
      }
    }),
  );
}

export interface ProbeResult {
  name: string;
  priority: number;
  available: boolean;
  reason?: string;
  capabilities?: Capabilities;
}

/** Create each backend once to learn its availability and capabilities, then dispose it. */
export async function probeAll(loaded?: LoadedFactory[]): Promise<ProbeResult[]> {
  const list = loaded ?? (await loadFactories());
  const out: ProbeResult[] = [];
  for (const l of list) {
    if (!l.factory) {
      out.push({ name: l.name, priority: -1, available: false, reason: l.loadError });
      continue;
    }
    let b: Backend | undefined;
    try {
      b = await l.factory.create();
      out.push({ name: l.name, priority: l.factory.priority, available: true, capabilities: b.capabilities });
    } catch (e) {
      out.push({
        name: l.name,
        priority: l.factory.priority,
        available: false,
        reason: (e as Error).message.split('\n')[0],
      });
    } finally {
      try {
        await b?.dispose();
      } catch {
        // A failing dispose after a probe is not what `info` reports on.
      }
    }
  }
  return out;
}

/** Factories that loaded, for createContext. */
export function factoriesOf(loaded: LoadedFactory[]): BackendFactory[] {
  return loaded.flatMap((l) => (l.factory ? [l.factory] : []));
}
