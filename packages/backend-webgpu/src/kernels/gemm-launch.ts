import type { DType } from '@gemmkit/core';
import type { Runtime } from '../runtime/runtime.js';
import { outAccess } from '../wgsl/common.js';
import { type GemmSpec, gemmSource, gemmTile } from '../wgsl/gemm.js';
import { gemmSgmSource, SGM_TILE } from '../wgsl/gemm-sgm.js';
import { pickTm } from './gemm-util.js';
import { bindOperands, cdiv, type Operand } from './launch.js';
import type { Params } from './params.js';

export interface GemmLaunch {
  op: string;
  /** Operands in binding order with their WGSL names (outputs marked write, with the stored dtype). */
  operands: ReadonlyArray<Operand & { name: string; store?: DType; atomic?: boolean }>;
  params: Params;
  /** setup/loadA/loadB/storeC (see wgsl/gemm.ts). */
  body: string;
  /** Largest M of any batch (tile rows) and N (tile columns), number of batches (grid z). */
  maxM: number;
  maxN: number;
  batches: number;
  bKContiguous: boolean;
  status?: boolean;
  tileDone?: boolean;
  /** Loaded values are exact in f16 (f16, fp8 without scales): the subgroup-matrix path may run it. */
  f16Exact?: boolean;
  /** Force rows per invocation (tile height 16·tm); default from maxM. */
  tm?: 1 | 2 | 4;
}

/** Launch one specialization of the shared GEMM family. The WGSL body is part of the cache key. */
export function launchGemm(rt: Runtime, g: GemmLaunch): void {
  const bound = bindOperands(rt, g.operands, !!g.status);
  const tm = g.tm ?? pickTm(g.maxM);
  const bindings = g.operands.map((o) => ({
    name: o.name,
    access: o.write ? (o.atomic ? ('atomic' as const) : outAccess(o.store ?? 'f32')) : ('read' as const),
  }));
  if (g.status) bindings.push({ name: 'status', access: 'atomic' });
  const sgm = g.f16Exact && !g.tm ? rt.sgm : null;
  const key = `${sgm ? 'sgm|' : ''}${g.op}|${tm}|${g.bKContiguous}|${!!g.tileDone}|${bindings.map((b) => b.access).join(',')}|${g.body}`;
  const { bm, bn } = sgm ? { bm: SGM_TILE, bn: SGM_TILE } : gemmTile(tm);
  rt.dispatch({
    key,
    label: g.op,
    source: () =>
      (sgm ? (spec: GemmSpec) => gemmSgmSource(spec, sgm) : gemmSource)({
        key,
        tm,
        bKContiguous: g.bKContiguous,
        bindings,
        body: g.body,
        status: g.status,
        tileDone: g.tileDone,
      }),
    ...bound,
    params: g.params.words,
    groups: [cdiv(g.maxN, bn), cdiv(g.maxM, bm), g.batches],
  });
}
