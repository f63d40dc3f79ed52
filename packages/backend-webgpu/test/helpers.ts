import { cpu } from '@gemmkit/backend-cpu';
import { type Context, createContext } from '@gemmkit/core';
import { webgpu } from '../src/index.js';

/** True when the suite must not skip WebGPU (CI): a missing adapter is then a failure. */
export const REQUIRE_WEBGPU = !!(process.env.CI || process.env.GEMMKIT_REQUIRE_WEBGPU);

/** A context with webgpu and cpu, or null (when allowed) with the reason logged. */
export async function webgpuContext(): Promise<Context | null> {
  try {
    const ctx = await createContext({ backends: [webgpu(), cpu()], prefer: 'webgpu' });
    if (ctx.backend.name !== 'webgpu')
      throw new Error(String(ctx.status.find((s) => s.name === 'webgpu')?.reason));
    return ctx;
  } catch (e) {
    if (REQUIRE_WEBGPU) throw e;
    console.warn(`webgpu unavailable: ${e instanceof Error ? e.message : e}`);
    return null;
  }
}
