import { type DType, type SegmentGemmArgs, Tensor } from '@gemmkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  chooseSm90SegmentConfig,
  SM90_SEGMENT_INSTANCES,
  segmentSharedBytes,
  segmentStages,
} from '../src/ops/sm90/segment-gemm-sm90.js';
import { expectListed, type Launch, runOp } from './recording-runtime.js';

// segmentGemm's Hopper path without a GPU: which kernel runs, with which maps, grid and arguments, and when the
// portable kernel is kept. The kernel itself is checked on the GPU host (docs/segment-gemm-sm90.md).

const h = (dtype: DType, shape: number[]) => Tensor.host(dtype, shape);
const cdiv = (a: number, b: number) => Math.ceil(a / b);
const ENV = ['GEMMKIT_SM90_SEGMENT_B', 'GEMMKIT_CUDA_SM90'] as const;

afterEach(() => {
  for (const k of ENV) delete process.env[k];
});

function segArgs(o: {
  s?: number;
  dIn?: number;
  dOut?: number;
  w?: number;
  b?: number;
  colMajor?: boolean;
  dtype?: 'bf16' | 'f16';
  indptr?: DType;
  wi?: DType;
}): SegmentGemmArgs {
  const { s = 1000, dIn = 512, dOut = 768, w = 4, b = 3, colMajor = false, dtype = 'bf16' } = o;
  return {
    x: h(dtype, [s, dIn]),
    weights: h(dtype, colMajor ? [w, dOut, dIn] : [w, dIn, dOut]),
    batchSize: b,
    weightColumnMajor: colMajor,
    ...(o.indptr ? { segIndptr: h(o.indptr, [b + 1]) } : { segLens: h('i64', [b]) }),
    ...(o.wi ? { weightIndices: h(o.wi, [b]) } : {}),
  };
}

const gemmLaunch = (ls: Launch[]) => ls.find((l) => l.name === 'segment_gemm_sm90') as Launch;

describe('segmentGemm on sm_90a', () => {
  it('instances: 3 tiles x 2 dtypes x 2 B layouts, all within shared memory; config rule', () => {
    expect(SM90_SEGMENT_INSTANCES).toHaveLength(12);
    for (const i of SM90_SEGMENT_INSTANCES) {
      const d = i.defines;
      expect(i.archs).toEqual(['sm_90a']);
      expect(i.names).toEqual(['segment_gemm_sm90', 'sm90_segment_transpose']);
      const bytes = segmentSharedBytes({
        blockM: d.BLOCK_M as 64,
        blockN: d.BLOCK_N as 128,
        stages: d.STAGES,
      });
      expect(bytes).toBeLessThanOrEqual(227 * 1024);
    }
    expect([segmentStages(64, 128), segmentStages(128, 128), segmentStages(128, 256)]).toEqual([8, 7, 4]);
    expect(chooseSm90SegmentConfig(32 * 8, 8, 4096, 132)).toMatchObject({ blockM: 64, blockN: 128 });
    expect(chooseSm90SegmentConfig(8192, 8, 4096, 132)).toMatchObject({
      blockM: 128,
      blockN: 256,
      stages: 4,
    });
    expect(chooseSm90SegmentConfig(1024, 4, 1024, 132)).toMatchObject({
      blockM: 128,
      blockN: 128,
      stages: 7,
    });
  });

  it('column-major weights: one K-major launch, 3D B map [W, dOut, dIn], args in kernel order', () => {
    const args = segArgs({ colMajor: true, indptr: 'i32', wi: 'i32' });
    const r = runOp('segmentGemm', args);
    expect(r.launches.map((l) => l.name)).toEqual(['segment_gemm_sm90']);
    const l = r.launches[0];
    expectListed(l, 'sm_90a');
    // fast validation: activeRows = S = 1000 over 3 segments -> 128-row tiles; few tiles -> 128 columns.
    expect(l.defines).toMatchObject({ BLOCK_M: 128, BLOCK_N: 128, STAGES: 7, DTYPE: 0, B_MN: 0 });
    expect(l.block).toEqual([384, 1, 1]);
    expect(l.grid).toEqual([Math.min(132, (cdiv(1000, 128) + 3) * cdiv(768, 128)), 1, 1]);
    expect(l.sharedBytes).toBe(7 * 256 * 128 + 7 * 16 + 1024);
    expect(r.maps[0]).toMatchObject({ dtype: 'bf16', shape: [1000, 512], strides: [512, 1], box: [128, 64] });
    expect(r.maps[1]).toMatchObject({
      ptr: r.address(args.weights),
      shape: [4, 768, 512],
      strides: [768 * 512, 512, 1],
      box: [1, 128, 64],
      swizzle: '128B',
    });
    const [, , out, ldd, index, wi, i64, indptr, b, w, s, n, k, status] = l.args;
    expect(out).toBe(r.address(r.result as Tensor));
    expect(ldd).toEqual({ i64: 768 });
    expect(index).toBe(r.address(args.segIndptr as Tensor));
    expect(wi).toBe(r.address(args.weightIndices as Tensor));
    expect([i64, indptr, b, w, s, n, k]).toEqual([
      { i32: 0 },
      { i32: 1 },
      { i32: 3 },
      { i32: 4 },
      { i32: 1000 },
      { i32: 768 },
      { i32: 512 },
    ]);
    expect(status).toBe(0x5747n);
  });

  it('row-major weights, native (default): MN-major instantiation, 64x64 boxes over [W, dIn, dOut], no pre-pass', () => {
    const args = segArgs({ dtype: 'f16' });
    const r = runOp('segmentGemm', args);
    expect(r.launches.map((l) => l.name)).toEqual(['segment_gemm_sm90']);
    expect(r.launches[0].defines).toMatchObject({ DTYPE: 1, B_MN: 1 });
    expectListed(r.launches[0], 'sm_90a');
    expect(r.maps[1]).toMatchObject({ shape: [4, 512, 768], strides: [512 * 768, 768, 1], box: [1, 64, 64] });
    // segLens (i64), no weightIndices: flag 0 for segIndptr, null weight ids.
    const l = r.launches[0];
    expect(l.args[4]).toBe(r.address(args.segLens as Tensor));
    expect(l.args[5]).toBe(0n);
    expect(l.args.slice(6, 8)).toEqual([{ i32: 1 }, { i32: 0 }]);
  });

  it('row-major weights with GEMMKIT_SM90_SEGMENT_B=transpose: transpose pre-pass into a K-major workspace', () => {
    process.env.GEMMKIT_SM90_SEGMENT_B = 'transpose';
    const args = segArgs({ wi: 'i64' });
    const r = runOp('segmentGemm', args);
    expect(r.launches.map((l) => l.name)).toEqual(['sm90_segment_transpose', 'segment_gemm_sm90']);
    const [t, g] = r.launches;
    expectListed(t, 'sm_90a');
    expectListed(g, 'sm_90a');
    expect(g.defines.B_MN).toBe(0);
    expect(t.grid).toEqual([cdiv(768, 32), cdiv(512, 32), 4]);
    expect(t.block).toEqual([32, 8, 1]);
    const ws = t.args[1];
    expect(t.args[0]).toBe(r.address(args.weights));
    expect(t.args.slice(2, 6)).toEqual([{ i32: 512 }, { i32: 768 }, { i64: 512 * 768 }, { i64: 768 }]);
    expect(t.args[6]).toBe(r.address(args.weightIndices as Tensor));
    expect(t.args.slice(7)).toEqual([{ i32: 1 }, { i32: 3 }]);
    expect(r.maps[1]).toMatchObject({
      ptr: ws,
      shape: [4, 768, 512],
      strides: [768 * 512, 512, 1],
      box: [1, 128, 64],
    });
  });

  it('transpose mode leaves column-major weights alone', () => {
    process.env.GEMMKIT_SM90_SEGMENT_B = 'transpose';
    const r = runOp('segmentGemm', segArgs({ colMajor: true }));
    expect(r.launches.map((l) => l.name)).toEqual(['segment_gemm_sm90']);
    expect(r.launches[0].defines.B_MN).toBe(0);
  });

  it('small segments take 64-row tiles (one math warpgroup); many tiles take 256 columns', () => {
    const small = runOp('segmentGemm', segArgs({ s: 96, b: 3, colMajor: true }));
    expect(small.launches[0].defines).toMatchObject({ BLOCK_M: 64, BLOCK_N: 128, STAGES: 8 });
    expect(small.launches[0].block).toEqual([256, 1, 1]);
    const big = runOp('segmentGemm', segArgs({ s: 8192, dOut: 4096, b: 4, colMajor: true }));
    expect(big.launches[0].defines).toMatchObject({ BLOCK_M: 128, BLOCK_N: 256, STAGES: 4 });
    expect(big.launches[0].grid).toEqual([132, 1, 1]);
  });

  it('an i32 / i64 index mix is widened to i64 for both (one width in the kernel)', () => {
    const r = runOp('segmentGemm', segArgs({ indptr: 'i32', wi: 'i64' }));
    const g = gemmLaunch(r.launches);
    expect(g.args[6]).toEqual({ i32: 1 });
    // The widened segIndptr is a temporary; the i64 weightIndices goes in as it is.
    const widened = r.allocated.find((t) => t.dtype === 'i64' && t.shape[0] === 4) as Tensor;
    expect(g.args[4]).toBe(r.address(widened));
    expect(g.args[5]).not.toBe(0n);
  });

  describe('falls back to the portable kernel', () => {
    const portable = (r: { launches: Launch[] }) => {
      expect(r.launches.some((l) => l.name === 'segment_gemm_sm90')).toBe(false);
      expect(r.launches.some((l) => l.file === 'gemm_half.cu')).toBe(true);
    };
    it('below Hopper', () => portable(runOp('segmentGemm', segArgs({}), 'sm_89')));
    it('on Blackwell (no sm_100a instantiation)', () =>
      portable(runOp('segmentGemm', segArgs({}), 'sm_100a')));
    it('with GEMMKIT_CUDA_SM90=0', () => {
      process.env.GEMMKIT_CUDA_SM90 = '0';
      portable(runOp('segmentGemm', segArgs({})));
    });
    it('x row stride not a multiple of 8 elements (TMA stride)', () => {
      const args = segArgs({ dIn: 60, colMajor: true });
      const base = h('bf16', [1000 * 62]);
      args.x = new Tensor('bf16', [1000, 60], base.storage, [62, 1], 0);
      portable(runOp('segmentGemm', args));
    });
    it('x base not 16-byte aligned', () => {
      const args = segArgs({ colMajor: true });
      const base = h('bf16', [1001 * 512]);
      args.x = new Tensor('bf16', [1000, 512], base.storage, [512, 1], 4);
      portable(runOp('segmentGemm', args));
    });
    it('weights row stride not a multiple of 8 elements', () => {
      portable(runOp('segmentGemm', segArgs({ dIn: 100, colMajor: true })));
      portable(runOp('segmentGemm', segArgs({ dOut: 100 })));
    });
    it('transpose mode with dIn % 8 != 0 (the workspace row stride)', () => {
      process.env.GEMMKIT_SM90_SEGMENT_B = 'transpose';
      portable(runOp('segmentGemm', segArgs({ dIn: 100 })));
    });
    it('dIn = 0 (nothing to accumulate: the portable kernel writes the zeros)', () => {
      portable(runOp('segmentGemm', segArgs({ dIn: 0, colMajor: true })));
    });
  });
});
