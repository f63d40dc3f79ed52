import { WGSL_PARAMS } from '../wgsl/common.js';
import type { Runtime } from './runtime.js';

const FILL_SOURCE = `${WGSL_PARAMS}
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let i = g.y * 65535u * 256u + g.x;
  if (i < prm(0)) { dst[i] = prm(1); }
}`;

/** Fill the first `words` u32 of `buf` with `pattern` (NaN poison for fresh float tensors). */
export function fillWords(rt: Runtime, buf: GPUBuffer, words: number, pattern: number): void {
  const groups = Math.ceil(words / 256);
  rt.dispatch({
    key: 'fill32',
    source: () => FILL_SOURCE,
    buffers: [buf],
    writable: [true],
    params: [words, pattern],
    groups: groups <= 65535 ? [groups, 1, 1] : [65535, Math.ceil(groups / 65535), 1],
    label: 'fill',
  });
}
