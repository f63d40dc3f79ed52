import { createRequire } from 'node:module';

/**
 * koffi, loaded lazily through `require` so that importing gemmkit never touches a native module: on a
 * machine where koffi's prebuilt binary is missing the CUDA backend reports itself unavailable instead.
 */
export type Koffi = typeof import('koffi');
export type KoffiLib = import('koffi').IKoffiLib;
export type KoffiFn = ReturnType<KoffiLib['func']>;

let cached: Koffi | null = null;

export function getKoffi(): Koffi {
  if (!cached) cached = createRequire(import.meta.url)('koffi') as Koffi;
  return cached;
}
