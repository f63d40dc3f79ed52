import type { Tensor } from '@gemmkit/core';
import { linearAt, type Params } from './params.js';

/**
 * WGSL of the paged MQA indexer schedule (core's pagedMqaSchedule), reading context lengths bound as `CL`:
 * `sched_row(i)` is metadata row i (b, s). O(B) per row: the metadata is tiny.
 */
export function scheduleWgsl(
  p: Params,
  contextLens: Tensor,
  batch: number,
  nextN: number,
  twoD: boolean,
  splitKv: number,
  numSms: number,
): string {
  const B = p.u32(batch);
  const T = p.u32(nextN);
  const SK = p.u32(splitKv);
  const S = p.u32(numSms);
  const at = linearAt(p, contextLens, 'li');
  return `
fn sched_len(b: u32) -> u32 {
  var l = 0i;
  for (var t = 0u; t < ${twoD ? T : '1u'}; t++) {
    let li = b * ${twoD ? T : '1u'} + t;
    l = max(l, bitcast<i32>(CL[${at}]));
  }
  return u32(l);
}
fn sched_row(i: u32) -> vec2<u32> {
  var total = 0u;
  for (var b = 0u; b < ${B}; b++) { total += (sched_len(b) + ${SK} - 1u) / ${SK}; }
  let g = i * (total / ${S}) + min(i, total % ${S});
  var b = 0u;
  var before = 0u;
  loop {
    if (b >= ${B}) { break; }
    let sp = (sched_len(b) + ${SK} - 1u) / ${SK};
    if (before + sp > g) { break; }
    before += sp;
    b++;
  }
  return vec2<u32>(b, select(0u, g - before, b < ${B}));
}`;
}
