import { cpu } from '@gemmkit/backend-cpu';
import { createContext, GemmkitError } from '@gemmkit/core';
import { describe, expect, it } from 'vitest';
import { CudaRuntime, cuda } from '../src/index.js';

// Point the driver lookup at a path that cannot exist, so the "no CUDA" path runs on every machine.
const noDriver = { env: { ...process.env, GEMMKIT_CUDA_DRIVER: '/nonexistent/gemmkit/libcuda.so.1' } };

describe('CUDA backend without a driver', () => {
  it('is a factory named cuda with priority 30, created without touching the driver', () => {
    const f = cuda(noDriver);
    expect(f.name).toBe('cuda');
    expect(f.priority).toBe(30);
  });

  it('create() rejects with E_DEVICE naming libcuda', async () => {
    const err = await cuda(noDriver)
      .create()
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(GemmkitError);
    expect((err as GemmkitError).code).toBe('E_DEVICE');
    expect((err as GemmkitError).message).toMatch(/libcuda/);
    expect((err as GemmkitError).actual).toMatch(/nonexistent/);
  });

  it('CudaRuntime.create throws E_DEVICE synchronously', () => {
    expect(() => CudaRuntime.create(noDriver)).toThrowError(/E_DEVICE.*libcuda/);
  });

  it('createContext works and reports cuda unavailable with the reason; cpu is chosen', async () => {
    const ctx = await createContext({ backends: [cuda(noDriver), cpu()] });
    const s = ctx.status.find((x) => x.name === 'cuda');
    expect(s?.available).toBe(false);
    expect(s?.reason).toMatch(/libcuda/);
    expect(ctx.backend.name).toBe('cpu');
    expect(() => ctx.get('cuda')).toThrowError(/unavailable.*libcuda/);
    await ctx.dispose();
  });

  it('with default options the status is consistent with this machine', async () => {
    const ctx = await createContext({ backends: [cuda(), cpu()] });
    const s = ctx.status.find((x) => x.name === 'cuda')!;
    if (s.available) expect(s.capabilities?.arch).toMatch(/^sm_\d+a?$/);
    else expect(s.reason).toMatch(/libcuda|cuInit|CUDA device/);
    await ctx.dispose();
  });
});
