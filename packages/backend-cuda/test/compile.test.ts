import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findNvcc, KERNELS_DIR, parsePtxasReport, runCompileTier } from '../scripts/compile-tier.js';
import { GEMM_PARAMS_BYTES, GEMM_PARAMS_OFFSETS } from '../src/ops/gemm-params.js';
import { KERNEL_INSTANCES } from '../src/ops/instances.js';

// The CUDA compile tier (brief §5). nvcc is required: CI installs it; there is no GPU here.
const nvcc = findNvcc();
// GEMMKIT_COMPILE_TIER_ARCHS=sm_90a narrows a local run; CI builds every arch of every instance.
const archs = process.env.GEMMKIT_COMPILE_TIER_ARCHS?.split(',');

describe('compile tier', () => {
  it('has nvcc', () => {
    expect(nvcc, 'nvcc not found: set NVCC or put the CUDA toolkit on PATH').toBeTruthy();
  });

  it('parses ptxas reports', () => {
    const log = [
      "ptxas info    : Compiling entry function 'k1' for 'sm_90a'",
      'ptxas info    : Function properties for k1',
      '    16 bytes stack frame, 8 bytes spill stores, 4 bytes spill loads',
      'ptxas info    : Used 255 registers, used 1 barriers, 16 bytes cumulative stack size, 41488 bytes smem',
    ].join('\n');
    expect(parsePtxasReport(log)).toEqual({
      k1: { registers: 255, stackFrame: 16, spillStores: 8, spillLoads: 4, sharedBytes: 41488 },
    });
  });

  it('GkGemmParams offsets match the TypeScript packer', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gk-offsets-'));
    try {
      const fields = Object.keys(GEMM_PARAMS_OFFSETS);
      const src = [
        '#include <cstdio>',
        '#include <cstddef>',
        `#include "${join(KERNELS_DIR, 'common/gemm_params.cuh')}"`,
        'int main() {',
        '  printf("sizeof %zu\\n", sizeof(GkGemmParams));',
        ...fields.map((f) => `  printf("${f} %zu\\n", offsetof(GkGemmParams, ${f}));`),
        '  return 0;',
        '}',
      ].join('\n');
      writeFileSync(join(dir, 'off.cu'), src);
      const c = spawnSync(nvcc as string, ['-o', join(dir, 'off'), join(dir, 'off.cu')], {
        encoding: 'utf8',
      });
      expect(c.status, c.stderr).toBe(0);
      const r = spawnSync(join(dir, 'off'), { encoding: 'utf8' });
      const got = Object.fromEntries(
        r.stdout
          .trim()
          .split('\n')
          .map((l) => l.split(' '))
          .map(([k, v]) => [k, Number(v)]),
      );
      expect(got.sizeof).toBe(GEMM_PARAMS_BYTES);
      for (const f of fields) expect(got[f], f).toBe(GEMM_PARAMS_OFFSETS[f]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('status bits are distinct single bits, each documented', () => {
    const text = readFileSync(join(KERNELS_DIR, 'common/status.cuh'), 'utf8');
    const bits = [...text.matchAll(/#define GK_STATUS_(\w+) \(1u << (\d+)\)/g)].map((m) => Number(m[2]));
    expect(bits.length).toBeGreaterThanOrEqual(8);
    expect(new Set(bits).size).toBe(bits.length);
    for (const m of text.matchAll(/\n(\/\/[^\n]*)\n#define GK_STATUS_(\w+) \(1u/g))
      expect(m[1].length).toBeGreaterThan(5);
  });

  it(
    'every launcher instantiation compiles for its archs without local-memory spills in hot kernels',
    async () => {
      const results = await runCompileTier({ archs, jobs: 2, nvcc: nvcc as string });
      const expected = KERNEL_INSTANCES.reduce(
        (n, i) => n + i.archs.filter((a) => !archs || archs.includes(a)).length,
        0,
      );
      expect(results.length).toBe(expected);
      const bad = results.filter((r) => r.problems.length > 0);
      expect(
        bad.map((r) => `${r.arch} ${r.file} ${JSON.stringify(r.defines)}: ${r.problems.join('; ')}`),
      ).toEqual([]);
      // The required archs are all covered (brief §5: sm_90a, sm_100a and the portable sm_89).
      if (!archs)
        for (const a of ['sm_89', 'sm_90a', 'sm_100a']) expect(results.some((r) => r.arch === a)).toBe(true);
    },
    60 * 60_000,
  );
});
