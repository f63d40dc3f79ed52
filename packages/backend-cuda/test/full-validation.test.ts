/**
 * `validate: 'full'` on the CUDA backend checks device-resident index data (and scale values) on the host
 * before launch, through `CudaStorage.readSync` (pinned staging), exactly like on the CPU: the whole shared
 * bad-input matrix runs against the real runtime on the fake driver (test/fixtures/fake-cuda.c) and must be
 * rejected with the case's code and argument with zero kernel launches. With `validate: 'fast'` validation
 * reads no device memory.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpu } from '@gemmkit/backend-cpu';
import { type Context, contracts, createContext, type OpName } from '@gemmkit/core';
import { badInputCases, mapTensors, moveView, runBadInputCase } from '@gemmkit/core/conformance';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cuda } from '../src/index.js';
import { CudaStorage } from '../src/runtime/storage.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function fakeDriver(): string {
  const src = join(root, 'test', 'fixtures', 'fake-cuda.c');
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 12);
  const lib = join(tmpdir(), `gk-fakecuda-${hash}`, 'libfakecuda.so');
  if (!existsSync(lib)) {
    mkdirSync(dirname(lib), { recursive: true });
    const tmp = `${lib}.${process.pid}`;
    execFileSync('gcc', ['-shared', '-fPIC', '-O1', '-o', tmp, src]);
    execFileSync('mv', ['-f', tmp, lib]);
  }
  return lib;
}

let ctx: Context;
let launches: () => number;
let ops: Set<string>;

beforeAll(async () => {
  const lib = fakeDriver();
  const fake = createRequire(import.meta.url)('koffi').load(lib);
  const counters = fake.func('void fake_counters(void *out)');
  launches = () => {
    const b = Buffer.alloc(6 * 8);
    counters(b);
    return Number(b.readBigUInt64LE(2 * 8));
  };
  const env = {
    ...process.env,
    GEMMKIT_CUDA_DRIVER: lib,
    GEMMKIT_CUBLASLT: lib,
    GEMMKIT_NVRTC: '/nonexistent/libnvrtc.so',
  };
  const cacheDir = mkdtempSync(join(tmpdir(), 'gk-fullval-'));
  ctx = await createContext({ backends: [cuda({ env, cacheDir }), cpu()], validate: 'full' });
  ops = new Set(ctx.get('cuda').capabilities.ops);
}, 60_000);

afterAll(async () => {
  await ctx?.dispose();
});

describe("CUDA validate: 'full' on device-resident data (fake driver)", () => {
  it('rejects every bad-input case before any kernel launch', async () => {
    const before = launches();
    const failures: string[] = [];
    let ran = 0;
    for (const c of badInputCases) {
      if (!ops.has(c.op)) continue;
      ran++;
      const r = await runBadInputCase(ctx, c, { backend: 'cuda' });
      for (const f of r.failures) failures.push(`${c.op}: ${c.name}: ${f}`);
    }
    expect(failures).toEqual([]);
    expect(ran).toBeGreaterThan(300);
    expect(launches()).toBe(before);
  });

  it('reads index data through CudaStorage.readSync in full mode, never in fast mode', () => {
    const spy = vi.spyOn(CudaStorage.prototype, 'readSync');
    try {
      for (const c of badInputCases) {
        if (!ops.has(c.op)) continue;
        const args = mapTensors(c.build(7), (t) => moveView(ctx, t, 'cuda'));
        try {
          (contracts[c.op as OpName].validate as (a: unknown, m: 'fast') => unknown)(args, 'fast');
        } catch {
          // Shape/dtype/layout errors fire in both modes; only the reads matter here.
        }
      }
      expect(spy).not.toHaveBeenCalled();
      const c = badInputCases.find((x) => x.op === 'raggedKMoeGemm8bit' && x.code === 'E_ALIGN')!;
      const args = mapTensors(c.build(7), (t) => moveView(ctx, t, 'cuda'));
      expect(() => contracts.raggedKMoeGemm8bit.validate(args as never, 'full')).toThrow(/E_ALIGN/);
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});
