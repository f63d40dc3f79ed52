import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contracts, type DType, Tensor } from '@gemmkit/core';
import { describe, expect, it } from 'vitest';
import { findNvcc, KERNELS_DIR, parsePtxasReport } from '../scripts/compile-tier.js';
import {
  chooseSm90GroupedConfig,
  launchSm90Masked,
  launchSm90RaggedM,
  SM90_GROUPED_INSTANCES,
  type Sm90MaskedLaunch,
  sm90MaskedApplies,
  sm90RaggedMApplies,
} from '../src/ops/sm90/grouped-fp8-sm90.js';
import type { CudaRuntime } from '../src/runtime/index.js';
import { readSwitches } from '../src/runtime/switches.js';
import { recordArgs } from './recording-runtime.js';

// The grouped sm90 launchers without a GPU: a recording runtime stands in for CudaRuntime (the kernels
// themselves are checked on the GPU host by bench/moe-grouped, results in bench/results/).

interface Launch {
  file?: string;
  name: string;
  defines: Record<string, number>;
  grid: number[];
  block: number[];
  sharedBytes?: number;
  args: unknown[];
}

const STATUS = 0x5747n;

function fakeRuntime(arch = 'sm_90a', smCount = 132) {
  const launches: Launch[] = [];
  const maps: Array<Record<string, unknown>> = [];
  const allocs: Array<{ bytes: number; disposed: boolean }> = [];
  const ids = new WeakMap<object, number>();
  let next = 1;
  const rt = {
    device: { arch, smCount },
    switches: readSwitches(process.env),
    status: { arg: () => STATUS },
    tensorAddress: (t: Tensor) => {
      if (!ids.has(t.storage)) ids.set(t.storage, next++);
      const bytes = { f32: 4, i32: 4, f16: 2, bf16: 2 }[t.dtype as string] ?? 1;
      return (BigInt(ids.get(t.storage) as number) << 32n) + BigInt(t.offset * bytes);
    },
    alloc: (bytes: number) => {
      const a = { bytes, disposed: false };
      allocs.push(a);
      return { ptr: BigInt(0x7000 + allocs.length) << 32n, dispose: () => (a.disposed = true) };
    },
    tensorMap: (o: Record<string, unknown>) => {
      maps.push(o);
      return { bytes: new Uint8Array(128), align: 64, index: maps.length - 1 };
    },
    getKernel: (spec: { file?: string; name: string; defines?: Record<string, number> }) => ({
      launch: (o: { grid: number[]; block: number[]; sharedBytes?: number; args: unknown[] }) =>
        launches.push({
          file: spec.file,
          name: spec.name,
          defines: { ...(spec.defines ?? {}) },
          grid: o.grid,
          block: o.block,
          sharedBytes: o.sharedBytes,
          args: recordArgs(o.args),
        }),
    }),
  } as unknown as CudaRuntime;
  return { rt, launches, maps, allocs };
}

const h = (dtype: DType, shape: number[]) => Tensor.host(dtype, shape);
const cdiv = (a: number, b: number) => Math.ceil(a / b);

function raggedArgs(m: number, n: number, k: number, e: number, mode = 'per_token' as const) {
  return {
    a: h('e4m3', [m, k]),
    aScale: h('f32', [m, cdiv(k, 128)]),
    b: h('e4m3', [e, n, k]),
    bScale: h('f32', [e, cdiv(n, 128), cdiv(k, 128)]),
    raggedTokensInfo: h('i32', [mode === 'per_token' ? m : e]),
    gemmMode: mode,
  };
}

function maskedLaunch(e: number, maxM: number, n: number, k: number, expectM = 0): Sm90MaskedLaunch {
  return {
    op: 'maskedMoeGemm8bit',
    a: h('e4m3', [e, maxM, k]),
    b: h('e4m3', [e, n, k]),
    aScale: h('f32', [e, maxM, cdiv(k, 128)]),
    bScale: h('f32', [e, cdiv(n, 128), cdiv(k, 128)]),
    maskedM: h('i32', [e]),
    out: h('bf16', [e, maxM, n]),
    granularity: [1, 128, 128],
    experts: e,
    maxM,
    n,
    k,
    expectM,
    signal: h('i32', [e * cdiv(maxM, 64)]),
  };
}

/** The GEMM launch must be one of the compile tier's instantiations. */
function expectInstance(l: Launch) {
  const hit = SM90_GROUPED_INSTANCES.find(
    (i) =>
      i.file === l.file &&
      i.names.includes(l.name) &&
      JSON.stringify(Object.entries(i.defines).sort()) === JSON.stringify(Object.entries(l.defines).sort()),
  );
  expect(hit, JSON.stringify(l.defines)).toBeTruthy();
}

describe('sm90 grouped FP8 launchers', () => {
  it('config rule: 64-row tiles only for small groups, stages fit shared memory', () => {
    expect(chooseSm90GroupedConfig(20)).toMatchObject({ blockM: 64, blockN: 128, stages: 8 });
    expect(chooseSm90GroupedConfig(64).blockM).toBe(64);
    expect(chooseSm90GroupedConfig(65)).toMatchObject({ blockM: 128, stages: 6 });
    expect(chooseSm90GroupedConfig(0).blockM).toBe(128);
    for (const i of SM90_GROUPED_INSTANCES) {
      const d = i.defines;
      const smem = d.STAGES * (d.BLOCK_M * 128 + d.BLOCK_N * 128 + d.BLOCK_M * 4) + 2 * d.STAGES * 8 + 1024;
      expect(smem).toBeLessThanOrEqual(227 * 1024);
    }
    expect(SM90_GROUPED_INSTANCES).toHaveLength(2 * 2 * 2 * 4);
  });

  it('raggedMMoeGemm8bit (per_token): scale gathers, block list, then the MODE 1 GEMM over [E*N, K]', () => {
    const [m, n, k, e] = [1024, 4096, 7168, 8];
    const args = raggedArgs(m, n, k, e);
    const plan = contracts.raggedMMoeGemm8bit.validate(args as never, 'fast');
    const { rt, launches, maps, allocs } = fakeRuntime();
    const out = h('bf16', [m, n]);
    expect(sm90RaggedMApplies(rt, plan, args as never, out)).toBe(true);
    launchSm90RaggedM(rt, plan, args as never, out);
    expect(launches.map((l) => l.name)).toEqual([
      'sm90_grouped_scale_gather',
      'sm90_grouped_scale_gather',
      'sm90_grouped_block_list',
      'fp8_grouped_gemm_sm90',
    ]);
    const [ga, gb, list, gemm] = launches;
    // A scales -> [kb][Mpad] (MN-major), B scales -> [E*nb][kb] (K-major)
    expect(ga.args.slice(2, 7)).toEqual([{ i32: 1 }, { i32: m }, { i32: m }, { i32: 56 }, { i32: 1 }]);
    expect(ga.args.slice(10)).toEqual([{ i64: 1 }, { i64: m }, { i32: m }]); // dst strides, source rows
    expect(gb.args.slice(2, 7)).toEqual([{ i32: e }, { i32: 32 }, { i32: e * 32 }, { i32: 56 }, { i32: 1 }]);
    expect(list.args.slice(1, 6)).toEqual([{ i32: 0 }, { i32: m }, { i32: e }, { i32: 128 }, { i32: 128 }]);
    expect(list.sharedBytes).toBe((m / 128 + 2 * e) * 4);
    expect(list.args[7]).toBe(STATUS);
    expectInstance(gemm);
    expect(gemm.defines).toMatchObject({ MODE: 1, BLOCK_M: 128, BLOCK_N: 128, CLUSTER: 1, OUT_KIND: 0 });
    expect(gemm.grid).toEqual([Math.min(132, (m / 128) * (n / 128)), 1, 1]);
    expect(gemm.block).toEqual([384, 1, 1]);
    expect(maps[1]).toMatchObject({ shape: [e * n, k], box: [128, 128], swizzle: '128B' });
    const info = rt.tensorAddress(args.raggedTokensInfo, 'x');
    expect(gemm.args[13]).toBe(info); // per_token: rows are checked against m_indices
    expect(gemm.args[11]).toEqual({ i64: n });
    expect(gemm.args.at(-1)).toBe(STATUS);
    expect(allocs.every((a) => a.disposed)).toBe(true);
  });

  it('raggedMMoeGemm8bit psum/per_expert: no per-row id check, info mode passed to the block list', () => {
    for (const [mode, code] of [
      ['psum_expert', 1],
      ['per_expert', 2],
    ] as const) {
      const args = raggedArgs(512, 256, 256, 3, mode as never);
      const plan = contracts.raggedMMoeGemm8bit.validate(args as never, 'fast');
      const { rt, launches } = fakeRuntime();
      launchSm90RaggedM(rt, plan, args as never, h('bf16', [512, 256]));
      expect(launches[2].args[1]).toEqual({ i32: code });
      expect(launches[3].args[13]).toBe(0n);
    }
  });

  it('applies only on sm_90a with (1, 128, 128) scales, K-major contiguous operands and even output strides', () => {
    const args = raggedArgs(256, 256, 256, 2);
    const plan = contracts.raggedMMoeGemm8bit.validate(args as never, 'fast');
    const out = h('bf16', [256, 256]);
    expect(sm90RaggedMApplies(fakeRuntime('sm_100a').rt, plan, args as never, out)).toBe(false);
    expect(
      sm90RaggedMApplies(fakeRuntime().rt, { ...plan, granularity: [1, 1, 128] }, args as never, out),
    ).toBe(false);
    const odd = raggedArgs(256, 255, 256, 2);
    const oddPlan = contracts.raggedMMoeGemm8bit.validate(odd as never, 'fast');
    expect(sm90RaggedMApplies(fakeRuntime().rt, oddPlan, odd as never, h('bf16', [256, 255]))).toBe(false);
    const strided = {
      ...args,
      b: new Tensor('e4m3', [2, 256, 256], h('e4m3', [2 * 300 * 256]).storage, [300 * 256, 256, 1]),
    };
    expect(sm90RaggedMApplies(fakeRuntime().rt, plan, strided as never, out)).toBe(false);
    expect(sm90MaskedApplies(fakeRuntime().rt, maskedLaunch(4, 256, 512, 512))).toBe(true);
    expect(sm90MaskedApplies(fakeRuntime('sm_89').rt, maskedLaunch(4, 256, 512, 512))).toBe(false);
    process.env.GEMMKIT_CUDA_SM90 = '0';
    try {
      expect(sm90MaskedApplies(fakeRuntime().rt, maskedLaunch(4, 256, 512, 512))).toBe(false);
    } finally {
      delete process.env.GEMMKIT_CUDA_SM90;
    }
  });

  it('masked: MODE 2 over [E*maxM, K], expert stride of the output, signal and status passed', () => {
    const l = maskedLaunch(32, 256, 4096, 7168, 48);
    const { rt, launches, maps } = fakeRuntime();
    expect(launchSm90Masked(rt, l)).toBe(128);
    const gemm = launches[2];
    expectInstance(gemm);
    expect(gemm.defines).toMatchObject({ MODE: 2, BLOCK_M: 64, BLOCK_N: 128 });
    expect(gemm.block).toEqual([256, 1, 1]);
    expect(maps[0]).toMatchObject({ shape: [32 * 256, 7168], box: [64, 128] });
    expect(maps[2]).toMatchObject({ shape: [56, 32 * 256], box: [1, 64] });
    expect(gemm.args.slice(8, 11)).toEqual([{ i32: 256 }, { i32: 4096 }, { i32: 7168 }]);
    expect(gemm.args[11]).toEqual({ i64: 4096 });
    expect(gemm.args[13]).toBe(rt.tensorAddress(l.maskedM, 'x'));
    expect(gemm.args[15]).toEqual({ i32: 32 });
    expect(gemm.args[16]).toEqual({ i64: 256 * 4096 });
    expect(gemm.args[17]).toBe(rt.tensorAddress(l.signal as Tensor, 'x'));
    expect(gemm.args[18]).toBe(STATUS);
    // maxM % 4 != 0: each expert's A scales are padded to 4 rows, so every tile's TMA scale load starts
    // 16-byte aligned (an unaligned start faulted with an illegal instruction on an H100)
    const odd = fakeRuntime();
    launchSm90Masked(odd.rt, maskedLaunch(2, 11, 72, 384));
    const ga = odd.launches[0];
    expect(ga.args.slice(2, 5)).toEqual([{ i32: 2 }, { i32: 12 }, { i32: 24 }]);
    expect(ga.args.at(-1)).toEqual({ i32: 11 });
    expect(odd.maps[2]).toMatchObject({ shape: [3, 24] });
    // without a hint, maxM decides the tile
    const big = fakeRuntime();
    launchSm90Masked(big.rt, maskedLaunch(4, 256, 512, 512));
    expect(big.launches[2].defines.BLOCK_M).toBe(128);
  });
});

const nvcc = findNvcc();

describe('sm90 grouped kernels compile (sm_90a, no local memory)', () => {
  it.each([
    [1, 128],
    [2, 64],
  ])(
    'MODE %i BLOCK_M %i',
    (mode, blockM) => {
      expect(nvcc, 'nvcc not found').toBeTruthy();
      const inst = SM90_GROUPED_INSTANCES.find(
        (i) => i.defines.MODE === mode && i.defines.BLOCK_M === blockM,
      );
      expect(inst).toBeTruthy();
      const dir = mkdtempSync(join(tmpdir(), 'gk-grouped-'));
      try {
        const r = spawnSync(
          nvcc as string,
          [
            '-cubin',
            '-arch=sm_90a',
            '-std=c++17',
            '-Xptxas',
            '-v',
            ...Object.entries(inst?.defines ?? {}).map(([k, v]) => `-D${k}=${v}`),
            '-o',
            join(dir, 'k.cubin'),
            join(KERNELS_DIR, 'sm90/grouped_fp8_sm90.cu'),
          ],
          { encoding: 'utf8' },
        );
        expect(r.status, r.stderr).toBe(0);
        const fns = parsePtxasReport(r.stdout + r.stderr);
        for (const name of inst?.names ?? []) expect(fns[name], name).toBeTruthy();
        for (const [name, f] of Object.entries(fns)) {
          expect(f.spillStores + f.spillLoads + f.stackFrame, name).toBe(0);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    300_000,
  );
});
