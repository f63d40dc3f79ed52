import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OP_NAMES } from '@gemmkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorLines, plain, runCli, runCliOnTty } from './run-cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gemmkit-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('gemmkit info', () => {
  it('lists every backend with availability, the cpu one available with its device and ops', async () => {
    const r = await runCli(['info', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.ops).toEqual(OP_NAMES);
    expect(doc.backends.map((b: { name: string }) => b.name).sort()).toEqual(['cpu', 'cuda', 'webgpu']);
    const cpu = doc.backends.find((b: { name: string }) => b.name === 'cpu');
    expect(cpu.available).toBe(true);
    expect(cpu.capabilities.device).toMatch(/\S/);
    expect(cpu.capabilities.ops.length).toBeGreaterThan(0);
    for (const b of doc.backends) if (!b.available) expect(b.reason).toMatch(/\S/);
  });

  it('prints a table and the best backend', async () => {
    const r = await runCli(['info']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/│ cpu\s+│ available/);
    expect(r.stdout).toMatch(/best backend: (cuda|webgpu|cpu)/);
  });
});

describe('gemmkit ops', () => {
  it('lists every op; with an op, its workload parameters and size presets', async () => {
    const all = await runCli(['ops']);
    expect(all.code).toBe(0);
    for (const op of OP_NAMES) expect(all.stdout).toContain(`│ ${op} `);
    const one = await runCli(['ops', 'gemmFp8NtGroupwise']);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^gemmFp8NtGroupwise: /);
    expect(one.stdout).toMatch(/│ granularity\s+│ 1x128 \| 128x128\s+│ 1x128/);
    expect(one.stdout).toMatch(/│ k\s+│ int 0\.\.65536, ×16/);
  });
});

describe('gemmkit demo', () => {
  it('runs every op on cpu at the tiny size, all verified, with a result table', async () => {
    const r = await runCli(['demo', '--backend', 'cpu', '--size', 'tiny', '--no-progress']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const op of OP_NAMES) expect(r.stdout).toMatch(new RegExp(`│ ${op}\\s+│.*│ pass\\s+│`));
    expect(r.stdout).toMatch(new RegExp(`${OP_NAMES.length}/${OP_NAMES.length} ops passed on cpu`));
  });

  it('shows a progress bar and colors on a terminal', async () => {
    const r = await runCliOnTty(['demo', '--backend', 'cpu', '--size', 'tiny', '--op', 'bmmFp8,tgvGemm']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('0/2 | bmmFp8');
    expect(r.stdout).toContain('2/2 | done');
    expect(r.stdout).toContain('\x1b[32mpass\x1b[39m');
    expect(plain(r.stdout)).toMatch(/2\/2 ops passed on cpu/);
  });

  it('--json reports each op with its shape, time, throughput and calcDiff', async () => {
    const r = await runCli(['demo', '--backend', 'cpu', '--size', 'tiny', '--op', 'bmmFp8,mmFp4', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.backend).toBe('cpu');
    expect(doc.rows.map((x: { op: string }) => x.op)).toEqual(['bmmFp8', 'mmFp4']);
    for (const row of doc.rows) {
      expect(row.status).toBe('pass');
      expect(row.shape).toMatch(/M=\d+ N=\d+ K=\d+/);
      expect(row.medianMs).toBeGreaterThan(0);
      expect(row.tflops).toBeGreaterThan(0);
      expect(row.calcDiff).toBeLessThanOrEqual(1e-5);
    }
  });
});

describe('gemmkit demo on WebGPU (device tensors, async queue)', () => {
  // CI has lavapipe: there WebGPU must work. Elsewhere a missing adapter must be reported, not crash.
  const required = !!(process.env.CI || process.env.GEMMKIT_REQUIRE_WEBGPU);
  it('runs FP8 GEMMs on webgpu and verifies them, or says in one line why webgpu is unavailable', async () => {
    const r = await runCli([
      'demo',
      '--backend',
      'webgpu',
      '--size',
      'tiny',
      '--op',
      'bmmFp8,gemmFp8NtGroupwise',
      '--json',
    ]);
    if (r.code === 2 && !required) {
      expect(errorLines(r.stderr)).toEqual([
        expect.stringMatching(/^error E_DEVICE: backend 'webgpu' is unavailable/),
      ]);
      return;
    }
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.backend).toBe('webgpu');
    expect(doc.rows.map((x: { status: string }) => x.status)).toEqual(['pass', 'pass']);
  });
});

describe('gemmkit verify', () => {
  it('runs the conformance cases and the bad-input matrix of the chosen ops', async () => {
    const r = await runCli(['verify', '--backend', 'cpu', '--op', 'bmmFp16,gemmFp8NtGroupwise', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.failures).toEqual([]);
    expect(doc.ops.map((o: { op: string }) => o.op)).toEqual(['bmmFp16', 'gemmFp8NtGroupwise']);
    for (const o of doc.ops) {
      expect(o.cases).toBeGreaterThan(0);
      expect(o.casesPassed).toBe(o.cases);
      expect(o.bad).toBeGreaterThanOrEqual(10);
      expect(o.badPassed).toBe(o.bad);
    }
  });
});

describe('gemmkit bench', () => {
  it('sweeps M and writes JSON, CSV and an SVG plot', async () => {
    const json = join(dir, 'bench.json');
    const csv = join(dir, 'bench.csv');
    const svg = join(dir, 'bench.svg');
    const r = await runCli([
      'bench',
      'bmmFp16',
      '--backend',
      'cpu',
      '--size',
      'tiny',
      '--sizes',
      '8,16,32',
      '--iters',
      '2',
      '--warmup',
      '0',
      '--check',
      '--json',
      json,
      '--csv',
      csv,
      '--plot',
      svg,
      '--no-progress',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(await readFile(json, 'utf8'));
    expect(doc.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(doc.devices.cpu.ceiling.gbps).toBeGreaterThan(0);
    expect(doc.results.map((x: { x: number }) => x.x)).toEqual([8, 16, 32]);
    for (const row of doc.results) {
      expect(row.backend).toBe('cpu');
      expect(row.params.m).toBe(row.x);
      expect(row.median_us).toBeGreaterThan(0);
      expect(row.tflops).toBeGreaterThan(0);
      expect(row.gbps).toBeGreaterThan(0);
      expect(row.roofFraction).toBeGreaterThan(0);
      expect(row.bwFraction).toBeCloseTo(row.gbps / doc.devices.cpu.ceiling.gbps, 12);
      expect(row.pass).toBe(true);
    }
    const lines = (await readFile(csv, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0].split(',')).toEqual(
      expect.arrayContaining(['op', 'backend', 'median_us', 'tflops', 'm']),
    );
    const plot = await readFile(svg, 'utf8');
    expect(plot).toMatch(/^<svg[^>]+xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(plot).toContain('>cpu: host CPU');
    expect(plot.match(/<circle /g)).toHaveLength(3);
    expect(r.stdout).toContain(`plot written to ${svg}`);
  });

  it('--json with no file prints the document on stdout only', async () => {
    const r = await runCli([
      'bench',
      'square-bf16',
      '--backend',
      'cpu',
      '--sizes',
      '16,32',
      '--iters',
      '1',
      '--warmup',
      '0',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.suite).toBe('square-bf16');
    expect(doc.results.map((x: { shape: string }) => x.shape)).toEqual([
      '1×M=16 N=16 K=16 bf16→bf16',
      '1×M=32 N=32 K=32 bf16→bf16',
    ]);
  });

  it('writes a PNG plot through resvg', async () => {
    const png = join(dir, 'bench.png');
    const r = await runCli([
      'bench',
      'tgvGemm',
      '--backend',
      'cpu',
      '--size',
      'tiny',
      '--iters',
      '1',
      '--plot',
      png,
      '--no-progress',
    ]);
    expect(r.code).toBe(0);
    const bytes = await readFile(png);
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });
});

describe('errors', () => {
  const cases: Array<[string, string[], RegExp]> = [
    [
      'unknown backend',
      ['demo', '--backend', 'nosuch'],
      /^error E_DEVICE: unknown backend 'nosuch'; argument: --backend/,
    ],
    [
      'unknown op filter',
      ['verify', '--backend', 'cpu', '--op', 'gemmFp9'],
      /^error E_UNSUPPORTED: unknown op 'gemmFp9'; argument: --op/,
    ],
    [
      'unknown bench target',
      ['bench', 'nosuch', '--backend', 'cpu'],
      /^error E_UNSUPPORTED: unknown op or preset 'nosuch'/,
    ],
    [
      'misaligned K',
      ['bench', 'gemmFp8NtGroupwise', '--backend', 'cpu', '--set', 'k=100'],
      /^error E_ALIGN: must be a multiple of 16; argument: gemmFp8NtGroupwise.k/,
    ],
    ['ops of an unknown op', ['ops', 'gemmFp9'], /^error E_UNSUPPORTED: unknown op 'gemmFp9'; argument: op/],
    [
      'op without a sized workload',
      ['bench', 'quantNvfp4', '--backend', 'cpu'],
      /^error E_UNSUPPORTED: op 'quantNvfp4' has no sized workload to sweep; argument: target/,
    ],
    [
      'zero in the size sweep',
      ['bench', 'bmmFp16', '--backend', 'cpu', '--sizes', '0,8'],
      /^error E_RANGE: sizes must be positive integers; argument: --sizes/,
    ],
    [
      'bad plot extension',
      ['bench', 'bmmFp16', '--plot', 'out.pdf'],
      /^error E_UNSUPPORTED: plot file must end in .svg or .png; argument: --plot/,
    ],
    [
      'bad iteration count',
      ['bench', 'bmmFp16', '--backend', 'cpu', '--iters', 'x'],
      /^error E_RANGE: expected an integer; argument: --iters/,
    ],
  ];
  for (const [name, args, line] of cases)
    it(`${name}: one line with code and message, exit code 2, no stack`, async () => {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const errs = errorLines(r.stderr);
      expect(errs).toHaveLength(1);
      expect(errs[0]).toMatch(line);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });

  it("a usage error (unknown command) exits 2 with commander's one-line message", async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')[0]).toMatch(/^error: unknown command 'frobnicate'/);
  });
});
