import { contracts, Tensor } from '@gemmkit/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildKernelTable } from '../src/backend.js';
import { sm90BmmFp8Applies } from '../src/ops/sm90/bmm-fp8-sm90.js';
import { recordingBackend, runOp } from './recording-runtime.js';

// gemmFp8NtGroupwise on sm_90a reads its scales in place (one launch per call instead of three: the host launch
// cost of issue 4): MN-major A scales by TMA, K-major or K-broadcast per-row A scales (M <= 256) and every B-scale
// layout through their strides by the kernel's scale warps. Other A scales (per 128 rows, odd MN-major strides,
// M > 256) are gathered.
// Kernel arguments 13-17: A-scale pointer (or 0n), its row and K strides, the B scales' block-row and K strides.

const h = (dtype: Parameters<typeof Tensor.host>[0], shape: number[]) => Tensor.host(dtype, shape);
/** [rows, cols] f32 stored column after column with column stride `ld` (MN-major). */
const mnMajor = (rows: number, cols: number, ld = rows) =>
  new Tensor('f32', [rows, cols], Tensor.host('f32', [ld * cols]).storage, [1, ld], 0);

function run(m: number, aScale: Tensor, bScale: Tensor, granularity?: [number, number, number]) {
  const n = 256;
  const k = 384;
  const r = runOp('gemmFp8NtGroupwise', {
    a: h('e4m3', [m, k]),
    b: h('e4m3', [n, k]),
    aScale,
    bScale,
    outDtype: 'bf16',
    scaleMajorMode: aScale.strides[0] === 1 && m > 1 ? 'MN' : 'K',
    ...(granularity ? { scaleGranularityMnk: granularity } : {}),
  });
  const gemm = r.launches.filter((l) => l.name === 'fp8_gemm_sm90');
  expect(gemm).toHaveLength(1);
  const gathers = r.launches.filter((l) => l.name === 'sm90_scale_gather');
  const sfaMap = r.maps.find((o) => o.dtype === 'f32') as Record<string, unknown>;
  return { r, gemm: gemm[0], gathers, sfaMap };
}

describe('sm90 FP8 GEMM scales read in place (recording runtime)', () => {
  it('MN-major per-row A scales with a 16-byte column stride are the TMA source; MN-major B scales are read in place', () => {
    const m = 100;
    const aScale = mnMajor(m, 3, 104);
    const bScale = mnMajor(2, 3, 4);
    const { r, gemm, gathers, sfaMap } = run(m, aScale, bScale);
    expect(sfaMap.ptr).toBe(r.address(aScale));
    expect(sfaMap.shape).toEqual([3, m]);
    expect(sfaMap.strides).toEqual([104, 1]);
    expect(gathers).toHaveLength(0);
    expect(gemm.args[3]).toBe(r.address(bScale));
    expect(gemm.args.slice(16)).toEqual([{ i64: 1 }, { i64: 4 }]);
  });

  it('K-major scales: B read in place, A read by the kernel through its pointer and strides (one launch)', () => {
    const aScale = new Tensor('f32', [100, 3], Tensor.host('f32', [100 * 5]).storage, [5, 1], 0);
    const bScale = h('f32', [2, 3]);
    const { r, gemm, gathers } = run(100, aScale, bScale);
    expect(gathers).toHaveLength(0);
    expect(r.launches).toHaveLength(1);
    expect(gemm.args[3]).toBe(r.address(bScale));
    expect(gemm.args[13]).toBe(aScale);
    expect(gemm.args.slice(14)).toEqual([{ i64: 5 }, { i64: 1 }, { i64: 3 }, { i64: 1 }]);
  });

  it('K-major A scales of M > 256 are gathered into MN-major for TMA (per-row loads would cost L2 sectors)', () => {
    const aScale = h('f32', [512, 3]);
    const { gemm, gathers, sfaMap } = run(512, aScale, h('f32', [2, 3]));
    expect(gathers.map((g) => g.args[0])).toEqual([aScale]);
    expect(sfaMap.ptr).toBe(gathers[0].args[1]);
    expect(gemm.args[13]).toBe(0n);
  });

  it('MN-major A scales read by TMA leave the kernel pointer null', () => {
    const { gemm } = run(64, mnMajor(64, 3, 64), mnMajor(2, 3, 4));
    expect(gemm.args[13]).toBe(0n);
  });

  it('MN-major A scales with a column stride of no whole 16 bytes, or per 128 rows, are gathered', () => {
    const odd = mnMajor(100, 3, 102);
    const a = run(100, odd, mnMajor(2, 3, 2));
    expect(a.gathers.map((g) => g.args[0])).toEqual([odd]);
    expect(a.sfaMap.ptr).not.toBe(a.r.address(odd));
    expect(a.gemm.args[13]).toBe(0n);
    const blocks = h('f32', [1, 3]);
    const b = run(100, blocks, h('f32', [2, 3]), [128, 128, 128]);
    expect(b.gathers.map((g) => g.args[0])).toEqual([blocks]);
    expect(b.sfaMap.ptr).not.toBe(b.r.address(blocks));
  });
});

describe('sm90 FP8 GEMM launch arguments (recording runtime)', () => {
  it('a padded output view passes its row stride as ldd (the H100/H200 strided-view failures)', () => {
    const m = 100;
    const n = 256;
    const out = new Tensor('bf16', [m, n], Tensor.host('bf16', [m * 264]).storage, [264, 1], 0);
    const r = runOp('gemmFp8NtGroupwise', {
      a: h('e4m3', [m, 384]),
      b: h('e4m3', [n, 384]),
      aScale: h('f32', [m, 3]),
      bScale: h('f32', [2, 3]),
      out,
    });
    const gemm = r.launches.find((l) => l.name === 'fp8_gemm_sm90');
    expect(gemm?.args[4]).toBe(out);
    expect(gemm?.args[11]).toEqual({ i64: 264 });
  });

  it('fp8BlockscaleGemm with 128x128 weight scales runs the sm90 kernel after quantizing bf16 input', () => {
    const r = runOp('fp8BlockscaleGemm', {
      input: h('bf16', [64, 256]),
      weight: h('e4m3', [256, 256]),
      weightScale: h('f32', [2, 2]),
    });
    const names = r.launches.map((l) => l.name);
    expect(names.filter((x) => x === 'fp8_gemm_sm90')).toHaveLength(1);
    expect(names.indexOf('fp8_gemm_sm90')).toBeGreaterThan(0); // the quantizer runs first
    // 1x128 weight scales stay on the portable kernel (the sm90 kernel has 128-column B scale blocks)
    const p = runOp('fp8BlockscaleGemm', {
      input: h('bf16', [64, 256]),
      weight: h('e4m3', [256, 256]),
      weightScale: h('f32', [256, 2]),
    });
    expect(p.launches.map((l) => l.name)).not.toContain('fp8_gemm_sm90');
  });
});

describe('bmmFp8 on the sm90 kernel at small M and short K (recording runtime)', () => {
  // Opt-in: cuBLASLt's per-tensor FP8 GEMM was the faster on every shape of the device-timed H100 bench.
  beforeEach(() => {
    process.env.GEMMKIT_SM90_BMM_FP8 = '1';
  });
  afterEach(() => {
    delete process.env.GEMMKIT_SM90_BMM_FP8;
  });

  const bmm = (m: number, k: number, extra: Record<string, unknown> = {}, arch = 'sm_90a') => {
    const f = recordingBackend(arch);
    const args = {
      a: h('e4m3', [1, m, k]),
      b: h('e4m3', [1, 256, k]).transpose(1, 2),
      aScale: h('f32', [1]),
      bScale: h('f32', [1]),
      outDtype: 'bf16',
      ...extra,
    };
    const plan = contracts.bmmFp8.validate(args as never, 'fast');
    const kernel = buildKernelTable().bmmFp8 as NonNullable<ReturnType<typeof buildKernelTable>['bmmFp8']>;
    const out = kernel(plan, args as never, f.kctx as never);
    return { ...f, args, out };
  };

  it('per-tensor scales are broadcast (zero strides) to the scale warps: one launch; B read through its K-contiguous view', () => {
    const r = bmm(64, 512);
    expect(r.launches.map((l) => l.name)).toEqual(['fp8_gemm_sm90']);
    const gemm = r.launches[0];
    expect(gemm.args[3]).toBe(r.address(r.args.bScale as Tensor));
    expect(gemm.args.slice(14)).toEqual([{ i64: 0 }, { i64: 0 }, { i64: 0 }, { i64: 0 }]);
    const mapB = r.maps.find((o) => o.ptr === r.address(r.args.b as Tensor)) as Record<string, unknown>;
    expect(mapB.shape).toEqual([256, 512]);
  });

  it('per-row scales keep their row stride; M > 128, K > 2048, batches and other archs stay on cuBLASLt', () => {
    const row = bmm(64, 512, { aScale: h('f32', [1, 64]), scaleGranularity: [1, -1, -1] });
    expect(row.launches.map((l) => l.name)).toEqual(['fp8_gemm_sm90']);
    expect(row.launches[0].args.slice(14, 16)).toEqual([{ i64: 1 }, { i64: 0 }]);
    const applies = (m: number, k: number, arch = 'sm_90a', batch = 1) => {
      const args = {
        a: h('e4m3', [batch, m, k]),
        b: h('e4m3', [batch, 256, k]).transpose(1, 2),
        aScale: h('f32', [1]),
        bScale: h('f32', [1]),
        outDtype: 'bf16' as const,
      };
      const f = recordingBackend(arch);
      return sm90BmmFp8Applies(f.rt, contracts.bmmFp8.validate(args as never, 'fast'), args as never);
    };
    expect(applies(128, 2048)).toBe(true);
    expect(applies(129, 512)).toBe(false);
    expect(applies(64, 2176)).toBe(false);
    expect(applies(64, 512, 'sm_89')).toBe(false);
    expect(applies(64, 512, 'sm_90a', 2)).toBe(false);
    delete process.env.GEMMKIT_SM90_BMM_FP8; // the default: cuBLASLt
    expect(applies(128, 2048)).toBe(false);
  });
});
