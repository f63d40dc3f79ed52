/// <reference types="@webgpu/types" />
import type { SubgroupMatrixConfig } from './device.js';
import type { Runtime } from './runtime.js';

/** Which spelling of the subgroup-matrix builtins this Dawn/Chrome accepts. */
export type SubgroupMatrixSyntax = 'template-major' | 'bool-arg';

export interface SubgroupMatrixSupport {
  config: SubgroupMatrixConfig;
  syntax: SubgroupMatrixSyntax;
  /** The adapter's one subgroup size: the GEMM runs one subgroup per workgroup. */
  subgroupSize: number;
}

/** WGSL spelling of a load of `ty` from pointer `p` at `off` with row stride `stride` (row-major). */
export function sgmLoad(
  syntax: SubgroupMatrixSyntax,
  ty: string,
  p: string,
  off: string,
  stride: string,
): string {
  return syntax === 'template-major'
    ? `subgroupMatrixLoad<${ty}, row_major>(${p}, ${off}, ${stride})`
    : `subgroupMatrixLoad<${ty}>(${p}, ${off}, false, ${stride})`;
}

export function sgmStore(
  syntax: SubgroupMatrixSyntax,
  p: string,
  off: string,
  v: string,
  stride: string,
): string {
  return syntax === 'template-major'
    ? `subgroupMatrixStore<row_major>(${p}, ${off}, ${v}, ${stride})`
    : `subgroupMatrixStore(${p}, ${off}, ${v}, false, ${stride})`;
}

function probeSource(syntax: SubgroupMatrixSyntax, c: SubgroupMatrixConfig): string {
  const L = `subgroup_matrix_left<f16, ${c.K}, ${c.M}>`;
  const R = `subgroup_matrix_right<f16, ${c.N}, ${c.K}>`;
  return `enable f16;
enable chromium_experimental_subgroup_matrix;
@group(0) @binding(0) var<storage, read> a: array<f16>;
@group(0) @binding(1) var<storage, read_write> o: array<f32>;
@compute @workgroup_size(64)
fn main() {
  let l = ${sgmLoad(syntax, L, '&a', '0u', `${c.K}u`)};
  let r = ${sgmLoad(syntax, R, '&a', '0u', `${c.N}u`)};
  var acc = subgroup_matrix_result<f32, ${c.N}, ${c.M}>();
  acc = subgroupMatrixMultiplyAccumulate(l, r, acc);
  ${sgmStore(syntax, '&o', '0u', 'acc', `${c.N}u`)};
}`;
}

/** The f16 x f16 -> f32 config to use (largest first), if the adapter lists one. */
export function pickConfig(configs: readonly SubgroupMatrixConfig[]): SubgroupMatrixConfig | null {
  const ok = configs.filter((c) => c.componentType === 'f16' && c.resultComponentType === 'f32');
  ok.sort((x, y) => y.M * y.N * y.K - x.M * x.N * x.K);
  return ok[0] ?? null;
}

/** Compile a tiny probe in each spelling (newest first); the first without errors wins. */
export async function detectSubgroupMatrix(rt: Runtime): Promise<SubgroupMatrixSupport | null> {
  const config = pickConfig(rt.gpu.subgroupMatrixConfigs);
  // One subgroup per workgroup needs the subgroup size up front: only adapters with a single size qualify.
  const subgroupSize = rt.gpu.subgroupMaxSize;
  if (!config || subgroupSize < 1 || rt.gpu.subgroupMinSize !== subgroupSize) return null;
  for (const syntax of ['template-major', 'bool-arg'] as const) {
    const dev = rt.device;
    dev.pushErrorScope('validation');
    const module = dev.createShaderModule({
      code: probeSource(syntax, config),
      label: `sgm-probe-${syntax}`,
    });
    const info = await module.getCompilationInfo();
    const scopeErr = await dev.popErrorScope();
    if (!scopeErr && !info.messages.some((m) => m.type === 'error')) return { config, syntax, subgroupSize };
  }
  return null;
}
