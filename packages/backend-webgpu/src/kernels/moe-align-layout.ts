import type { KernelFn } from '@gemmkit/core';
import { runtimeOf } from './launch.js';
import { launchMoe } from './moe-common.js';
import { Params } from './params.js';

/**
 * The whole layout in one dispatch of one 256-lane workgroup (deterministic, no host round trip):
 * counts by atomics, a serial aligned scan, then the slots in chunks of 256 in flat order, each lane's row =
 * its expert's cursor + the number of earlier lanes of the chunk with the same expert; the last such lane
 * advances the cursor. After the last chunk the cursors are the psum ends.
 */
export const moeAlignLayout: KernelFn<'moeAlignLayout'> = (plan, args, kctx) => {
  const rt = runtimeOf(kctx);
  const { tokens: T, k, numExperts: E, alignmentM: A, rows: M } = plan;
  const e = kctx.backend;
  const mIndices = e.empty('i32', [M]);
  const tokenOf = e.empty('i32', [M]);
  const rowOf = e.empty('i32', [T, k]);
  const psum = e.empty('i32', [E]);
  const counts = e.empty('i32', [E]);
  const numRows = e.empty('i32', [1]);
  const p = new Params();
  const S = p.u32(T * k);
  const K = p.u32(k);
  const PE = p.u32(E);
  const AL = p.u32(A);
  const PM = p.u32(M);
  const IO = p.u32(args.topkIds.offset);
  const site = p.u32(rt.site('moeAlignLayout', 'topkIds', 'expert id out of range (slot dropped)'));
  // B0 ids, B1 mIndices, B2 tokenOf, B3 rowOf, B4 psum (cursors), B5 counts, B6 numRows.
  const body = () => `
var<workgroup> chunk: array<i32, 256>;
fn expert_of(i: u32) -> i32 {
  let v = bitcast<i32>(B0[${IO} + i]);
  if (v < -1i || v >= i32(${PE})) {
    raise_status(${site}, bitcast<u32>(v));
    return -1i;
  }
  return v;
}
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) li: u32) {
  for (var e = li; e < ${PE}; e += 256u) { atomicStore(&B5[e], 0u); }
  for (var r = li; r < ${PM}; r += 256u) { B1[r] = 0xffffffffu; B2[r] = 0xffffffffu; }
  storageBarrier();
  workgroupBarrier();
  for (var i = li; i < ${S}; i += 256u) {
    let e = expert_of(i);
    if (e >= 0i) { atomicAdd(&B5[u32(e)], 1u); }
  }
  storageBarrier();
  workgroupBarrier();
  if (li == 0u) {
    var start = 0u;
    for (var e = 0u; e < ${PE}; e++) {
      atomicStore(&B4[e], start);
      start = (start + atomicLoad(&B5[e]) + ${AL} - 1u) / ${AL} * ${AL};
    }
    B6[0] = start;
  }
  storageBarrier();
  workgroupBarrier();
  let chunks = (${S} + 255u) / 256u;
  for (var c = 0u; c < chunks; c++) {
    let i = c * 256u + li;
    var e = -1i;
    if (i < ${S}) { e = expert_of(i); }
    chunk[li] = e;
    workgroupBarrier();
    var row = -1i;
    var before = 0u;
    var last = true;
    if (e >= 0i) {
      for (var l = 0u; l < 256u; l++) {
        if (chunk[l] == e) {
          if (l < li) { before++; }
          if (l > li) { last = false; }
        }
      }
      let r = atomicLoad(&B4[u32(e)]) + before;
      row = i32(r);
      B1[r] = u32(e);
      B2[r] = i / ${K};
    }
    if (i < ${S}) { B3[i] = bitcast<u32>(row); }
    storageBarrier();
    workgroupBarrier();
    // Every lane has read its cursor: the last lane of each expert in this chunk advances it.
    if (e >= 0i && last) { atomicAdd(&B4[u32(e)], before + 1u); }
    storageBarrier();
    workgroupBarrier();
  }
}`;
  launchMoe(rt, {
    key: 'moeAlignLayout',
    label: 'moeAlignLayout',
    operands: [
      { t: args.topkIds, arg: 'moeAlignLayout.topkIds', access: 'read' },
      { t: mIndices, arg: 'moeAlignLayout.mIndices', write: true, access: 'write' },
      { t: tokenOf, arg: 'moeAlignLayout.tokenOf', write: true, access: 'write' },
      { t: rowOf, arg: 'moeAlignLayout.rowOf', write: true, access: 'write' },
      { t: psum, arg: 'moeAlignLayout.psum', write: true, access: 'atomic' },
      { t: counts, arg: 'moeAlignLayout.counts', write: true, access: 'atomic' },
      { t: numRows, arg: 'moeAlignLayout.numRows', write: true, access: 'write' },
    ],
    status: true,
    body,
    params: p.words,
    groups: 1,
  });
  return { mIndices, tokenOf, rowOf, psum, counts, numRows };
};
