/// <reference types="@webgpu/types" />
// The multi-subgroup subgroup-matrix GEMM cannot run on lavapipe (no subgroup matrices), so its WGSL is
// checked here by structure for each variant, and — with the matrix builtins replaced by scalar stubs —
// compiled on whatever adapter the suite has, which type-checks the rest (staging, ids, epilogue, barriers).
import { describe, expect, it } from 'vitest';
import { acquireDevice } from '../src/runtime/device.js';
import type { SubgroupMatrixSupport, SubgroupMatrixSyntax } from '../src/runtime/subgroup-matrix.js';
import type { GemmSpec } from '../src/wgsl/gemm.js';
import {
  DEFAULT_SGM_TILE,
  gemmSgmSource,
  parseSgmTile,
  sgmTileCost,
  sgmTileName,
} from '../src/wgsl/gemm-sgm.js';
import { REQUIRE_WEBGPU } from './helpers.js';

const config = { componentType: 'f16', resultComponentType: 'f32', M: 16, N: 16, K: 16 } as const;
const support = (tile: string, syntax: SubgroupMatrixSyntax = 'template-major'): SubgroupMatrixSupport => {
  const t = parseSgmTile(tile);
  if (!t) throw new Error(tile);
  return { config, syntax, subgroupSize: 32, tile: t };
};

/** A plain [M,K] x [K,N] f32-bits GEMM body (setup/loadA/loadB/storeC contract of wgsl/gemm.ts). */
const spec = (bKContiguous: boolean, tileDone = false): GemmSpec => ({
  key: 'test',
  tm: 1,
  bKContiguous,
  tileDone,
  bindings: [
    { name: 'A', access: 'read' },
    { name: 'B', access: 'read' },
    { name: 'O', access: 'write' },
  ],
  body: `
fn setup(bz: u32, m0: u32, n0: u32) -> vec4<u32> { return vec4<u32>(prm(0u), prm(1u), prm(2u), 0u); }
fn loadA(bz: u32, aux: u32, m: u32, k: u32) -> f32 { return bitcast<f32>(A[m * prm(2u) + k]); }
fn loadB(bz: u32, aux: u32, k: u32, n: u32) -> f32 { return bitcast<f32>(B[k * prm(1u) + n]); }
fn storeC(bz: u32, aux: u32, m: u32, n: u32, acc: f32) { O[m * prm(1u) + n] = bitcast<u32>(acc); }
${tileDone ? 'fn tileDone(bz: u32, aux: u32, m0: u32, n0: u32, M: u32) { O[0] = m0 + n0; }' : ''}`,
});

const VARIANTS = ['16x16', '64x64', '128x128', '128x128/2x2', '64x128p0'];

describe('subgroup-matrix GEMM variants', () => {
  it('parses variant names with default subgroup grids and rejects bad ones', () => {
    expect(parseSgmTile('64x64')).toEqual({ bm: 64, bn: 64, bk: 32, wm: 2, wn: 2, pad: 8 });
    expect(parseSgmTile('128x128')).toEqual({ bm: 128, bn: 128, bk: 32, wm: 2, wn: 4, pad: 8 });
    expect(parseSgmTile('16x16')).toEqual({ bm: 16, bn: 16, bk: 32, wm: 1, wn: 1, pad: 0 });
    expect(parseSgmTile('128x64/4x2k64p16')).toEqual({ bm: 128, bn: 64, bk: 64, wm: 4, wn: 2, pad: 16 });
    for (const bad of ['64', '64x48', '64x64/3x2', '64x64p4', '64x64k24', 'x'])
      expect(parseSgmTile(bad), bad).toBeNull();
    expect(parseSgmTile(DEFAULT_SGM_TILE)).not.toBeNull();
  });

  it('sizes workgroups and workgroup memory within common limits', () => {
    const probe = { config, syntax: 'template-major' as const, subgroupSize: 32 };
    const c64 = sgmTileCost(parseSgmTile('64x64')!, probe);
    expect(c64.invocations).toBe(128);
    const c128 = sgmTileCost(parseSgmTile('128x128')!, probe);
    expect(c128.invocations).toBe(256);
    expect(c128.bytes).toBeLessThanOrEqual(32768);
  });

  for (const v of VARIANTS)
    for (const bKContiguous of [false, true])
      it(`${v} ${bKContiguous ? 'NT' : 'NN'}: workgroup, tile constants, subgroup ids, bounds`, () => {
        const sgm = support(v);
        const { bm, bn, bk, wm, wn, pad } = sgm.tile;
        const src = gemmSgmSource(spec(bKContiguous), sgm);
        if (process.env.GEMMKIT_PRINT_WGSL) console.log(`// ${sgmTileName(sgm.tile)}\n${src}`);
        const nsg = wm * wn;
        const rm = bm / wm / 16;
        const rn = bn / wn / 16;
        expect(src).toContain('enable subgroups;');
        expect(src).toContain('enable chromium_experimental_subgroup_matrix;');
        expect(src).toContain('diagnostic(off, chromium.subgroup_matrix_uniformity);');
        expect(src).toContain(`@workgroup_size(${nsg * 32}, 1, 1)`);
        expect(src).toContain(`let m0 = wg.y * ${bm}u;`);
        expect(src).toContain(`let n0 = wg.x * ${bn}u;`);
        expect(src).toContain(`var<workgroup> As: array<f16, ${bm * (bk + pad)}>;`);
        expect(src).toContain(`var<workgroup> Bs: array<f16, ${bk * (bn + pad)}>;`);
        expect(src).toContain(`var<workgroup> Cs: array<f32, ${nsg * 256}>;`);
        expect(src).toContain(`k0 += ${bk}u`);
        // Subgroup id from an atomic ticket, not from local_invocation_index.
        expect(src).toContain('var<workgroup> sg_tickets: atomic<u32>;');
        expect(src).toContain('atomicStore(&sg_tickets, 0u);');
        expect(src).toMatch(/if \(subgroupElect\(\)\) \{ ticket = atomicAdd\(&sg_tickets, 1u\); \}/);
        expect(src).toContain('let sid = subgroupMax(ticket);');
        expect(src).not.toMatch(/li \/ \d+u;\s*$/m);
        expect(src).toContain(`let a_base = (sid / ${wn}u) * ${(bm / wm) * (bk + pad)}u;`);
        expect(src).toContain(`let b_base = (sid % ${wn}u) * ${bn / wn}u;`);
        // Every matrix load is offset from the subgroup's base, with the padded strides.
        const loads = src.match(/subgroupMatrixLoad<[^(]*\(([^)]*)\)/g) ?? [];
        expect(loads.length).toBe((bk / 16) * (rm + rn));
        for (const l of loads) expect(l).toMatch(/&As, a_base \+ \d+u, \d+u|&Bs, b_base \+ \d+u, \d+u/);
        expect(src.match(/subgroupMatrixMultiplyAccumulate/g)?.length).toBe((bk / 16) * rm * rn);
        expect(src.match(/subgroupMatrixStore<row_major>\(&Cs, c_base, c\d+_\d+, 16u\)/g)?.length).toBe(
          rm * rn,
        );
        // Bounds on every load and store; staging loops stride over the whole workgroup.
        expect(src).toContain('if (gm < M && gk < K) { v = loadA(bz, aux, gm, gk); }');
        expect(src).toContain('if (gn < N && gk < K) { v = loadB(bz, aux, gk, gn); }');
        expect(
          src.match(/if \(gm < M && gn < N\) \{ storeC\(bz, aux, gm, gn, Cs\[idx\]\); \}/g)?.length,
        ).toBe(rm * rn);
        expect(src.match(new RegExp(`idx \\+= ${nsg * 32}u`, 'g'))?.length).toBe(2 + rm * rn);
        expect(src).toContain(bKContiguous ? `let nn = idx / ${bk}u;` : `let kk = idx / ${bn}u;`);
        expect(src).not.toContain('tileDone(');
      });

  it('keeps the tileDone hook after every store, and the older spelling', () => {
    const src = gemmSgmSource(spec(true, true), support('64x64', 'bool-arg'));
    expect(src).toMatch(
      /storageBarrier\(\);\s+workgroupBarrier\(\);\s+if \(li == 0u\) \{ tileDone\(bz, aux, m0, n0, M\); \}\s+\}\s*$/,
    );
    expect(src).toContain('subgroupMatrixStore(&Cs, c_base, c0_0, false, 16u)');
    expect(src).toMatch(
      /subgroupMatrixLoad<subgroup_matrix_left<f16, 16, 16>>\(&As, a_base \+ 0u, false, 40u\)/,
    );
  });
});

/** The source with matrix types and builtins replaced by scalar stand-ins over the same workgroup arrays. */
function stubMatrices(src: string): string {
  return `${src
    .replace('enable chromium_experimental_subgroup_matrix;\n', '')
    .replace(/diagnostic\(off, chromium\.subgroup_matrix_uniformity\);\n/, '')
    .replace(/subgroup_matrix_result<f32, \d+, \d+>\(\)/g, '0.0')
    .replace(/subgroupMatrixLoad<subgroup_matrix_\w+<f16, \d+, \d+>, row_major>\(&(As|Bs), /g, 'stubLoad$1(')
    .replace(/subgroupMatrixMultiplyAccumulate\(/g, 'fma(')
    .replace(/subgroupMatrixStore<row_major>\(&Cs, /g, 'stubStore(')}
fn stubLoadAs(off: u32, stride: u32) -> f32 { return f32(As[off + stride]); }
fn stubLoadBs(off: u32, stride: u32) -> f32 { return f32(Bs[off + stride]); }
fn stubStore(off: u32, v: f32, stride: u32) { Cs[off + stride] = v; }
`;
}

describe('subgroup-matrix GEMM WGSL compiles apart from the matrix builtins', async () => {
  const gpu = await acquireDevice().catch((e) => {
    if (REQUIRE_WEBGPU) throw e;
    return null;
  });
  const ok = !!gpu && gpu.features.shaderF16 && gpu.features.subgroups;
  for (const v of VARIANTS)
    it.skipIf(!ok)(`${v}`, async () => {
      const dev = gpu!.device;
      const src = stubMatrices(gemmSgmSource(spec(v.startsWith('128')), support(v)));
      expect(src).not.toMatch(/subgroup_?[mM]atrix/);
      dev.pushErrorScope('validation');
      const module = dev.createShaderModule({ code: src, label: `sgm-stub-${v}` });
      const info = await module.getCompilationInfo();
      const pipe = dev.createComputePipelineAsync({
        layout: 'auto',
        compute: { module, entryPoint: 'main' },
      });
      const err = await pipe.then(
        () => null,
        (e) => e,
      );
      const scope = await dev.popErrorScope();
      const msgs = info.messages.filter((m) => m.type === 'error').map((m) => `${m.lineNum}: ${m.message}`);
      expect(msgs).toEqual([]);
      expect(scope?.message ?? null).toBeNull();
      expect(err?.message ?? null).toBeNull();
    });
});
