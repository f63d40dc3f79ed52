import { isGemmkitError, randomTensor, Tensor } from '@gemmkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { type WebGpuBackend, webgpu } from '../src/index.js';
import { bucketSize } from '../src/runtime/allocator.js';
import { pickConfig } from '../src/runtime/subgroup-matrix.js';
import { webgpuContext } from './helpers.js';

describe('device acquisition', () => {
  it('reports a missing adapter as E_DEVICE with the reason', async () => {
    const gpu = { requestAdapter: async () => null } as unknown as GPU;
    const err = await webgpu({ gpu })
      .create()
      .catch((e) => e);
    expect(isGemmkitError(err, 'E_DEVICE')).toBe(true);
    expect(err.message).toMatch(/no WebGPU adapter/);
  });

  it('factory has the name and priority the context expects', () => {
    const f = webgpu();
    expect([f.name, f.priority]).toEqual(['webgpu', 20]);
  });
});

describe('allocator buckets', () => {
  it('rounds up in 256-byte steps with at most 25% waste beyond that', () => {
    for (const n of [1, 255, 256, 257, 1000, 4097, 123456, 1 << 24, (1 << 24) + 1]) {
      const b = bucketSize(n);
      expect(b).toBeGreaterThanOrEqual(n);
      expect(b % 256).toBe(0);
      expect(b - n).toBeLessThan(Math.max(256, 0.25 * n));
    }
  });
});

describe('subgroup-matrix config choice', () => {
  it('takes the largest f16 -> f32 config and ignores others', () => {
    const c = pickConfig([
      { componentType: 'f16', resultComponentType: 'f16', M: 16, N: 16, K: 16 },
      { componentType: 'f16', resultComponentType: 'f32', M: 8, N: 8, K: 8 },
      { componentType: 'f16', resultComponentType: 'f32', M: 16, N: 16, K: 16 },
      { componentType: 'i8', resultComponentType: 'i32', M: 16, N: 16, K: 32 },
    ]);
    expect(c).toEqual({ componentType: 'f16', resultComponentType: 'f32', M: 16, N: 16, K: 16 });
    expect(pickConfig([])).toBe(null);
  });
});

const ctx = await webgpuContext();
afterAll(() => ctx?.dispose());

describe.runIf(ctx)('runtime on the adapter', () => {
  it('round-trips bytes through a strided view', async () => {
    const h = randomTensor('bf16', [6, 10], { seed: 3 });
    const d = ctx!.to(h);
    const v = d.transpose(0, 1).narrow(0, 2, 5);
    const back = await v.toHost();
    expect([...back.hostBytes()]).toEqual([...h.transpose(0, 1).narrow(0, 2, 5).hostBytes()]);
  });

  it('poisons fresh float tensors with NaN and zero-fills integer ones', async () => {
    const f = await ctx!.empty('f16', [3]).toHost();
    expect([...f.toFloat32Array()].every(Number.isNaN)).toBe(true);
    const i = await ctx!.empty('i32', [3]).toHost();
    expect([...new Int32Array(i.hostBytes().slice().buffer)]).toEqual([0, 0, 0]);
  });

  it('surfaces bad device index data at sync as E_RANGE naming the argument, then recovers', async () => {
    const be = ctx!.get('webgpu') as WebGpuBackend;
    const a = ctx!.to(randomTensor('e4m3', [2, 8, 32], { seed: 1 }));
    const b = ctx!.to(randomTensor('e4m3', [2, 16, 32], { seed: 2 }));
    const aScale = ctx!.to(
      Tensor.host('f32', [2, 8, 1], new Uint8Array(new Float32Array(16).fill(1).buffer)),
    );
    const bScale = ctx!.to(Tensor.host('f32', [2, 1, 1], new Uint8Array(new Float32Array(2).fill(1).buffer)));
    const maskedM = ctx!.to(Tensor.host('i32', [2], new Uint8Array(new Int32Array([3, 99]).buffer)));
    ctx!.ops.batchDeepgemmFp8NtGroupwise({ a, b, aScale, bScale, maskedM, expectedM: 4 });
    const err = await be.sync().catch((e) => e);
    expect(isGemmkitError(err, 'E_RANGE')).toBe(true);
    expect(err.arg).toBe('batchDeepgemmFp8NtGroupwise.maskedM');
    await expect(be.sync()).resolves.toBeUndefined();
  });
});
