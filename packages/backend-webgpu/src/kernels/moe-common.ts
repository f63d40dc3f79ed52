import type { Runtime } from '../runtime/runtime.js';
import { type BindingDecl, declareBindings, WGSL_PARAMS, WGSL_STATUS } from '../wgsl/common.js';
import { bindOperands, grid1d, type Operand } from './launch.js';

/** One launch of a device-MoE kernel: operands in binding order, optional status word, 1-D grid. */
export interface MoeLaunch {
  key: string;
  label: string;
  operands: readonly (Operand & { access: BindingDecl['access'] })[];
  status: boolean;
  /** WGSL after the bindings (helpers + `@compute fn main`). */
  body: () => string;
  params: number[];
  groups: number;
}

export function launchMoe(rt: Runtime, l: MoeLaunch): void {
  const bound = bindOperands(rt, l.operands, l.status);
  const decls: BindingDecl[] = l.operands.map((o, i) => ({ name: `B${i}`, access: o.access }));
  if (l.status) decls.push({ name: 'status', access: 'atomic' });
  rt.dispatch({
    key: l.key,
    label: l.label,
    source: () => `${WGSL_PARAMS}\n${declareBindings(decls)}\n${l.status ? WGSL_STATUS : ''}\n${l.body()}`,
    ...bound,
    params: l.params,
    groups: grid1d(l.groups),
  });
}
