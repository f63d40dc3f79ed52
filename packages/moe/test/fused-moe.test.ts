import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpu } from '@gemmkit/backend-cpu';
import { cuda } from '@gemmkit/backend-cuda';
import { webgpu } from '@gemmkit/backend-webgpu';
import {
  type Context,
  calcDiff,
  createContext,
  decodeToFloat64,
  isGemmkitError,
  loadFp8Checkpoint,
  openSafetensors,
  quantizeFp8Blocks,
  Random,
  Tensor,
  tensorFrom,
  writeFileBytes,
  writeSafetensors,
} from '@gemmkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ExpertValues,
  FUSED_MOE_OPS,
  fp8BlockWeightValues,
  fusedMoe,
  loadFp8Experts,
  swigluExpertReference,
  topkRouting,
} from '../src/index.js';

// End to end: a small DeepSeek-style FP8 expert checkpoint (e4m3 weights + f32 weight_scale_inv 128x128) is
// written with writeSafetensors, read back with openSafetensors + loadFp8Checkpoint, and the fused layer runs
// on the best backend found (cuda on the GPU host, webgpu on lavapipe in CI) and on cpu; both are compared with a float64 formula of the unquantized math
// (x as given, the checkpoint's dequantized weights, no activation rounding).

const T = 24;
const H = 256;
const I = 128;
const E = 4;
const K = 2;
const PREFIX = 'model.layers.3.mlp.experts';

let gk: Context;
let dir: string;
let best: string;
beforeAll(async () => {
  gk = await createContext({ backends: [cuda(), webgpu(), cpu()] });
  dir = await mkdtemp(join(tmpdir(), 'gemmkit-moe-'));
  // The best available backend that has every op of the fused layer (webgpu on lavapipe in CI).
  const ok = gk.status
    .filter((s) => s.available && FUSED_MOE_OPS.every((o) => s.capabilities?.ops.includes(o)))
    .sort((a, b) => b.priority - a.priority);
  best = ok[0].name;
});
afterAll(async () => {
  await gk.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** One FP8 projection [N, K] as the checkpoint stores it, plus its exact dequantized values. */
function fp8Weight(n: number, k: number, std: number, rng: Random) {
  const v = new Float64Array(n * k);
  for (let i = 0; i < v.length; i++) v[i] = rng.normal() * std;
  const q = quantizeFp8Blocks(v, [1, n, k], [128, 128], { dtype: 'e4m3', ue8m0: false, eps: 1e-4 });
  const weight = Tensor.host('e4m3', [n, k], q.codes);
  const scale = tensorFrom('f32', [Math.ceil(n / 128), Math.ceil(k / 128)], q.scales);
  return { weight, scale, deq: fp8BlockWeightValues(weight, scale) };
}

async function writeCheckpoint(seed: number, experts = E) {
  const rng = new Random(seed);
  const tensors: Record<string, Tensor> = {};
  const deq: ExpertValues[] = [];
  for (let e = 0; e < experts; e++) {
    const gate = fp8Weight(I, H, 0.06, rng);
    const up = fp8Weight(I, H, 0.06, rng);
    const down = fp8Weight(H, I, 0.09, rng);
    for (const [p, w] of [
      ['gate_proj', gate],
      ['up_proj', up],
      ['down_proj', down],
    ] as const) {
      tensors[`${PREFIX}.${e}.${p}.weight`] = w.weight;
      tensors[`${PREFIX}.${e}.${p}.weight_scale_inv`] = w.scale;
    }
    deq.push({ gate: gate.deq, up: up.deq, down: down.deq });
  }
  tensors['model.layers.3.mlp.gate.weight'] = tensorFrom(
    'bf16',
    [experts, H],
    new Float64Array(experts * H).fill(0.5),
  );
  const path = join(dir, `experts-${seed}-${experts}.safetensors`);
  await writeFileBytes(path, writeSafetensors(tensors, { format: 'pt' }));
  return { path, deq };
}

/** Router logits with well separated entries (f32 and float64 routing agree). */
function logits(seed: number, experts = E): Tensor {
  const rng = new Random(seed);
  const v = new Float64Array(T * experts);
  for (let t = 0; t < T; t++) {
    const perm = Array.from({ length: experts }, (_, e) => e).sort(() => rng.uniform() - 0.5);
    for (let e = 0; e < experts; e++) v[t * experts + e] = perm[e] * 0.4 + rng.uniform() * 0.01;
  }
  return tensorFrom('f32', [T, experts], v);
}

/** Float64 reference: softmax top-k (renormalized), SwiGLU experts on the dequantized weights, combine. */
function reference(x: Float64Array, lg: Float64Array, deq: ExpertValues[]) {
  const out = new Float64Array(T * H);
  const ids: number[] = [];
  for (let t = 0; t < T; t++) {
    const row = lg.subarray(t * E, (t + 1) * E);
    const mx = Math.max(...row);
    const p = Array.from(row, (v) => Math.exp(v - mx));
    const order = [...p.keys()].sort((a, b) => p[b] - p[a] || a - b).slice(0, K);
    const sum = order.reduce((s, e) => s + p[e], 0);
    for (const e of order) {
      ids.push(e);
      const y = swigluExpertReference(x.subarray(t * H, (t + 1) * H), deq[e]);
      for (let h = 0; h < H; h++) out[t * H + h] += (p[e] / sum) * y[h];
    }
  }
  return { out, ids };
}

describe('fusedMoe with a DeepSeek-style FP8 checkpoint', () => {
  it('loads the experts from safetensors and matches the float64 reference on the best backend and cpu', async () => {
    const { path, deq } = await writeCheckpoint(11);
    const reader = await openSafetensors(path);
    const ckpt = loadFp8Checkpoint(await reader.loadMany());
    expect(Object.keys(ckpt.others)).toEqual(['model.layers.3.mlp.gate.weight']);
    const { w13, w2 } = loadFp8Experts(ckpt, E, { prefix: PREFIX });
    expect(w13.data.shape).toEqual([E, 2 * I, H]);
    expect(w13.scale.tensor.shape).toEqual([E, 2, 2]);
    expect(w2.data.shape).toEqual([E, H, I]);

    const x = tensorFrom(
      'bf16',
      [T, H],
      Float64Array.from({ length: T * H }, (_, i) => Math.sin(i * 0.37) * 1.5),
    );
    const lg = logits(5);
    const ref = reference(
      decodeToFloat64('bf16', x.hostBytes()),
      decodeToFloat64('f32', lg.hostBytes()),
      deq,
    );

    const results: Record<string, Float64Array> = {};
    for (const backend of new Set([best, 'cpu'])) {
      const r = fusedMoe(gk, {
        x,
        routerLogits: lg,
        w13,
        w2,
        routing: { topK: K, renormalize: true },
        backend,
      });
      expect(r.out.device).toBe(gk.get(backend).storageDevice);
      const out = await r.out.toHost();
      expect(out.dtype).toBe('bf16');
      expect(out.shape).toEqual([T, H]);
      const got = decodeToFloat64('bf16', out.hostBytes());
      expect(got.every(Number.isFinite)).toBe(true);
      const ids = [...new Int32Array((await r.topkIds.toHost()).hostBytes().slice().buffer)];
      expect(ids).toEqual(ref.ids);
      // Brief §5: FP8 x FP8 against the unquantized math (x and the activation are quantized on the way).
      expect(calcDiff(got, ref.out)).toBeLessThan(1e-3);
      results[backend] = got;
      console.log(`fusedMoe on ${backend}: calcDiff vs float64 ${calcDiff(got, ref.out).toExponential(2)}`);
    }
    // The device run and the cpu reference run agree far more closely than either does with the formula.
    expect(calcDiff(results[best], results.cpu)).toBeLessThan(1e-4);
    await reader.close();
  });

  it('DeepSeek-V3 routing (sigmoid + bias, 4 groups of 2, best 2, scale 2.5) on the fused layer', async () => {
    const experts = 8;
    const { path, deq } = await writeCheckpoint(12, experts);
    const reader = await openSafetensors(path);
    const { w13, w2 } = loadFp8Experts(loadFp8Checkpoint(await reader.loadMany()), experts, {
      prefix: PREFIX,
    });
    await reader.close();
    const x = tensorFrom(
      'bf16',
      [T, H],
      Float64Array.from({ length: T * H }, (_, i) => Math.cos(i * 0.21)),
    );
    const lg = logits(6, experts);
    const bias = tensorFrom('f32', [experts], [0.3, 0, 0.1, 0.25, 0, 0.05, 0.2, 0.15]);
    const routing = { topK: K, scoring: 'sigmoid', bias, scale: 2.5, numGroups: 4, topkGroup: 2 } as const;
    // Reference routing in float64 by the host helper, then the expert math in float64.
    const host = topkRouting(lg, routing);
    const ids = [...new Int32Array(host.topkIds.hostBytes().slice().buffer)];
    const w = decodeToFloat64('f32', host.topkWeights.hostBytes());
    const xv = decodeToFloat64('bf16', x.hostBytes());
    const want = new Float64Array(T * H);
    for (let t = 0; t < T; t++)
      for (let j = 0; j < K; j++) {
        const y = swigluExpertReference(xv.subarray(t * H, (t + 1) * H), deq[ids[t * K + j]]);
        for (let h = 0; h < H; h++) want[t * H + h] += w[t * K + j] * y[h];
      }
    for (const backend of new Set([best, 'cpu'])) {
      const r = fusedMoe(gk, { x, routerLogits: lg, w13, w2, routing, backend });
      expect([...new Int32Array((await r.topkIds.toHost()).hostBytes().slice().buffer)], backend).toEqual(
        ids,
      );
      const got = decodeToFloat64('bf16', (await r.out.toHost()).hostBytes());
      expect(got.every(Number.isFinite)).toBe(true);
      expect(calcDiff(got, want)).toBeLessThan(1e-3);
    }
  });

  it('rejects mismatched weights and tokens with typed errors', () => {
    const x = tensorFrom('bf16', [T, H], new Float64Array(T * H).fill(0.1));
    const w = (n: number, k: number) => ({
      data: Tensor.host('e4m3', [E, n, k]),
      scale: {
        tensor: Tensor.host('f32', [E, Math.ceil(n / 128), Math.ceil(k / 128)]),
        granularity: [1, 128, 128] as const,
        major: 'K' as const,
        encoding: 'f32' as const,
        layout: 'linear' as const,
      },
    });
    const call = (over: object) => () =>
      fusedMoe(gk, {
        x,
        routerLogits: logits(1),
        w13: w(2 * I, H),
        w2: w(H, I),
        routing: { topK: K },
        backend: 'cpu',
        ...over,
      });
    const expectCode = (fn: () => unknown, code: string, arg: string) => {
      try {
        fn();
        expect.unreachable('accepted');
      } catch (e) {
        expect(isGemmkitError(e)).toBe(true);
        expect(`${(e as any).code} ${(e as any).arg}`).toBe(`${code} ${arg}`);
      }
    };
    expectCode(call({ w2: w(H, I + 128) }), 'E_SHAPE', 'moe.fusedMoe.w2');
    expectCode(
      call({ x: tensorFrom('bf16', [T, 128], new Float64Array(T * 128)) }),
      'E_SHAPE',
      'moe.fusedMoe.x',
    );
    expectCode(call({ routing: { topK: 5 } }), 'E_RANGE', 'moeTopk.topK');
    expectCode(call({ w13: { data: Tensor.host('e4m3', [2 * I, H]) } }), 'E_UNSUPPORTED', 'moe.fusedMoe.w13');
  });
});
