import type { Runtime } from '../runtime/runtime.js';
import { WGSL_CODEC } from '../wgsl/codec.js';
import { type BindingDecl, declareBindings, WGSL_INDEX, WGSL_PARAMS, WGSL_STATUS } from '../wgsl/common.js';
import { bindOperands, grid1d, type Operand } from './launch.js';
import type { Params } from './params.js';

export interface MapLaunch {
  op: string;
  operands: ReadonlyArray<Operand & { name: string; atomic?: boolean }>;
  params: Params;
  /** WGSL defining `fn item(i: u32)`, run once per work item i < count. */
  body: string;
  count: number;
  status?: boolean;
}

/** One invocation per work item (elementwise kernels: dequantizers, layout transforms). */
export function launchMap(rt: Runtime, g: MapLaunch): void {
  if (g.count === 0) return;
  const bound = bindOperands(rt, g.operands, !!g.status);
  const bindings: BindingDecl[] = g.operands.map((o) => ({
    name: o.name,
    access: o.write ? (o.atomic ? 'atomic' : 'write') : 'read',
  }));
  if (g.status) bindings.push({ name: 'status', access: 'atomic' });
  const n = g.params.u32(g.count);
  const key = `map|${g.op}|${bindings.map((b) => b.access).join(',')}|${g.body}`;
  rt.dispatch({
    key,
    label: g.op,
    source: () => `${WGSL_PARAMS}
${declareBindings(bindings)}
${WGSL_CODEC}
${WGSL_INDEX}
${g.status ? WGSL_STATUS : ''}
${g.body}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = (wg.y * 65535u + wg.x) * 256u + li;
  if (i < ${n}) { item(i); }
}`,
    ...bound,
    params: g.params.words,
    groups: grid1d(Math.ceil(g.count / 256)),
  });
}
