import { decodeBits, encodeBits, Random, Tensor } from '@gemmkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import type { WebGpuBackend } from '../src/index.js';
import { WGSL_CODEC } from '../src/wgsl/codec.js';
import { declareBindings, WGSL_PARAMS } from '../src/wgsl/common.js';
import { webgpuContext } from './helpers.js';

const ctx = await webgpuContext();
afterAll(() => ctx?.dispose());

/** Run `expr(x: u32) -> u32` over every input word on the GPU. */
async function mapWords(name: string, expr: string, input: Uint32Array): Promise<Uint32Array> {
  const be = ctx!.get('webgpu') as WebGpuBackend;
  const src = be.fromHost(Tensor.host('i32', [input.length], new Uint8Array(input.buffer.slice(0))));
  const dst = be.empty('i32', [input.length]);
  const code = `${WGSL_PARAMS}
${declareBindings([
  { name: 'X', access: 'read' },
  { name: 'Y', access: 'write' },
])}
${WGSL_CODEC}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let i = g.x;
  if (i >= prm(0)) { return; }
  let x = X[i];
  Y[i] = ${expr};
}`;
  be.runtime.dispatch({
    key: `codec-test:${name}`,
    label: name,
    source: () => code,
    buffers: [(src.storage as any).buffer, (dst.storage as any).buffer],
    writable: [false, true],
    params: [input.length],
    groups: [Math.ceil(input.length / 256), 1, 1],
  });
  await be.sync();
  const out = await dst.toHost();
  return new Uint32Array(out.hostBytes().slice().buffer);
}

const f32Bits = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0];
const bitsF32 = (b: number) => new Float32Array(new Uint32Array([b]).buffer)[0];
const same = (a: number, b: number) => (Number.isNaN(a) && Number.isNaN(b)) || Object.is(a, b);

describe.runIf(ctx)('WGSL decode is exact for every code', () => {
  const cases: Array<[string, string, number]> = [
    ['e4m3', 'dec_e4m3(x)', 256],
    ['e5m2', 'dec_e5m2(x)', 256],
    ['ue8m0', 'dec_ue8m0(x)', 256],
    ['f16', 'dec_f16(x)', 65536],
    ['bf16', 'dec_bf16(x)', 65536],
  ];
  for (const [dtype, fn, count] of cases) {
    it(`${dtype}: all ${count} codes match core's decode`, async () => {
      const codes = Uint32Array.from({ length: count }, (_, i) => i);
      const got = await mapWords(`dec-${dtype}`, `bitcast<u32>(${fn})`, codes);
      const bad: string[] = [];
      for (let i = 0; i < count; i++) {
        const want = decodeBits(dtype as any, i);
        // ue8m0 code 0 is 2^-127, an f32 subnormal: a flush-to-zero GPU may not represent it.
        if (dtype === 'ue8m0' && i === 0) continue;
        if (!same(bitsF32(got[i]), Math.fround(want))) bad.push(`${i}: ${bitsF32(got[i])} != ${want}`);
      }
      expect(bad).toEqual([]);
    });
  }
  it('e2m1: all 16 nibbles match core', async () => {
    const codes = Uint32Array.from({ length: 16 }, (_, i) => i);
    const got = await mapWords('dec-e2m1', 'bitcast<u32>(dec_e2m1(x))', codes);
    for (let i = 0; i < 16; i++) expect(bitsF32(got[i])).toBe(decodeBits('e2m1x2', i));
  });
});

describe.runIf(ctx)('WGSL encode rounds like core (nearest, ties to even)', () => {
  // Random magnitudes across every binade of interest, plus exact ties and overflow edges.
  const rnd = new Random(7);
  const vals: number[] = [0, -0, 448, 464, 480, 57344, 61440, 65504, 65520, 1e30, -1e30, 6, 7, 0.25, 0.75, 5];
  for (let i = 0; i < 4000; i++) vals.push((rnd.uniform() - 0.5) * 2 ** Math.floor(rnd.uniform() * 50 - 30));
  for (let c = 0; c < 256; c++) {
    // midpoints between neighbouring e4m3 / e5m2 codes
    const a = decodeBits('e4m3', c);
    const b = decodeBits('e4m3', c + 1);
    if (Number.isFinite(a) && Number.isFinite(b)) vals.push((a + b) / 2);
    const p = decodeBits('e5m2', c);
    const q = decodeBits('e5m2', c + 1);
    if (Number.isFinite(p) && Number.isFinite(q)) vals.push((p + q) / 2);
  }
  const input = Uint32Array.from(vals, (v) => f32Bits(v));
  const fv = Array.from(input, bitsF32);
  const cases: Array<[string, string, (x: number) => number]> = [
    ['f16', 'enc_f16(bitcast<f32>(x))', (x) => encodeBits('f16', x)],
    ['bf16', 'enc_bf16(bitcast<f32>(x))', (x) => encodeBits('bf16', x)],
    ['e4m3 sat', 'enc_e4m3(bitcast<f32>(x), true)', (x) => encodeBits('e4m3', x, { saturate: true })],
    ['e4m3', 'enc_e4m3(bitcast<f32>(x), false)', (x) => encodeBits('e4m3', x)],
    ['e5m2 sat', 'enc_e5m2(bitcast<f32>(x), true)', (x) => encodeBits('e5m2', x, { saturate: true })],
    ['e5m2', 'enc_e5m2(bitcast<f32>(x), false)', (x) => encodeBits('e5m2', x)],
    ['e2m1', 'enc_e2m1(bitcast<f32>(x))', (x) => encodeBits('e2m1x2', x)],
  ];
  for (const [name, expr, ref] of cases) {
    it(`${name}: ${input.length} values`, async () => {
      const got = await mapWords(`enc-${name}`, expr, input);
      const bad: string[] = [];
      fv.forEach((x, i) => {
        // f32 subnormal inputs may be flushed by the GPU before encoding: only sign may differ from zero.
        if (x !== 0 && Math.abs(x) < 2 ** -126) return;
        if (got[i] !== ref(x)) bad.push(`${x}: ${got[i].toString(16)} != ${ref(x).toString(16)}`);
      });
      expect(bad.slice(0, 10)).toEqual([]);
    });
  }
});
