import { readFileSync } from 'node:fs';
import { type Backend, contracts, type DType, type OpName, type Shape, Tensor } from '@gemmkit/core';
import { describe, expect, it } from 'vitest';
import { kernels } from '../src/ops/index.js';
import { KERNEL_INSTANCES } from '../src/ops/instances.js';
import type { CudaRuntime } from '../src/runtime/index.js';
import { registerRuntime } from '../src/runtime/registry.js';
import { readSwitches } from '../src/runtime/switches.js';
import { recordArgs } from './recording-runtime.js';

// The device-MoE launchers against a recording runtime: every launch names a listed instantiation, passes
// exactly as many arguments as its kernels/*.cu signature declares, and (for kernels reading index data)
// the status word last.

const STATUS = 0x5747n;
interface Launch {
  file: string;
  name: string;
  grid: number[];
  block: number[];
  args: unknown[];
}

function record<K extends OpName>(op: K, args: unknown) {
  const launches: Launch[] = [];
  const backend = {
    name: 'cuda',
    storageDevice: 'host',
    empty: (dtype: DType, shape: Shape) => Tensor.host(dtype, shape),
  } as unknown as Backend;
  let next = 1n;
  const rt = {
    device: { arch: 'sm_90a' },
    switches: readSwitches(process.env),
    status: { arg: () => STATUS },
    tensorAddress: () => (next++ << 32n) as bigint,
    getKernel: (spec: { file: string; name: string }) => ({
      launch: (o: { grid: number[]; block: number[]; args: unknown[] }) =>
        launches.push({
          file: spec.file,
          name: spec.name,
          grid: o.grid,
          block: o.block,
          args: recordArgs(o.args),
        }),
    }),
  } as unknown as CudaRuntime;
  registerRuntime(backend, rt);
  const plan = (contracts[op] as unknown as { validate(a: unknown, m: string): unknown }).validate(
    args,
    'fast',
  );
  const fn = kernels[op] as unknown as (p: unknown, a: unknown, k: unknown) => unknown;
  const result = fn(plan, args, { backend, validate: 'fast' });
  return { launches, result };
}

/** Parameter count of `extern "C" __global__ ... name(...)` in kernels/<file>. */
function arity(file: string, name: string): number {
  const src = readFileSync(new URL(`../kernels/${file}`, import.meta.url), 'utf8');
  const at = src.indexOf(` ${name}(`);
  expect(at, `${name} in ${file}`).toBeGreaterThan(0);
  const sig = src.slice(at + name.length + 2, src.indexOf(')', at));
  return sig.split(',').length;
}

const h = (dtype: DType, shape: number[]) => Tensor.host(dtype, shape);

describe('device-MoE CUDA launchers (recording runtime)', () => {
  const calls: Array<[OpName, unknown, string, boolean]> = [
    [
      'moeTopk',
      { logits: h('bf16', [300, 64]), topK: 8, scoring: 'sigmoid', bias: h('f32', [64]) },
      'gk_moe_topk',
      true,
    ],
    ['moeAlignLayout', { topkIds: h('i32', [300, 8]), numExperts: 64 }, 'gk_moe_align_layout', true],
    ['moePermute', { x: h('e4m3', [300, 256]), tokenOf: h('i32', [8192]) }, 'gk_moe_gather', true],
    ['siluMulQuantFp8', { x: h('bf16', [70000, 512]) }, 'gk_silu_mul_quant_fp8', false],
    ['moeUnpermute', { y: h('bf16', [8192, 64]), rowOf: h('i32', [300, 8]) }, 'gk_moe_unpermute', true],
  ];
  for (const [op, args, name, status] of calls)
    it(`${op} launches ${name} with its declared arguments`, () => {
      const { launches } = record(op, args);
      expect(launches.map((l) => l.name)).toEqual([name]);
      const l = launches[0];
      const inst = KERNEL_INSTANCES.find((i) => i.file === l.file && i.names.includes(l.name));
      expect(inst, `${l.file} ${l.name}`).toBeTruthy();
      expect(l.args.length).toBe(arity(l.file, l.name));
      if (status) expect(l.args.at(-1)).toBe(STATUS);
      else expect(l.args).not.toContain(STATUS);
      for (const g of l.grid) expect(g).toBeLessThanOrEqual(op === 'siluMulQuantFp8' ? 2 ** 31 - 1 : 65535);
    });

  it('grids cover the work: one block per row for the gather, rows split over (y, z) for the activation', () => {
    expect(
      record('moePermute', { x: h('bf16', [3, 8]), tokenOf: h('i32', [70000]) }).launches[0].grid,
    ).toEqual([65535, 2]);
    const act = record('siluMulQuantFp8', { x: h('bf16', [70000, 512]) }).launches[0];
    expect(act.grid[0]).toBe(2); // I = 256 -> 2 groups of 128
    expect(act.grid[1] * 65535).toBeGreaterThanOrEqual(70000 - act.grid[2] + 1);
    expect(record('moeAlignLayout', { topkIds: h('i32', [5, 2]), numExperts: 4 }).launches[0].grid).toEqual([
      1,
    ]);
  });

  it('empty problems launch nothing but still return outputs of the right shape', () => {
    const r = record('moeTopk', { logits: h('f32', [0, 8]), topK: 2 });
    expect(r.launches).toEqual([]);
    expect((r.result as { topkIds: Tensor }).topkIds.shape).toEqual([0, 2]);
  });
});
