import { contracts, type OpName, Tensor } from '@gemmkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { sm90Fp4GemmApplies } from '../src/ops/sm90/fp4-gemm-sm90.js';
import { sm90Fp8GemmApplies } from '../src/ops/sm90/fp8-gemm-sm90.js';
import { sm90MqaLogitsApplies, sm90PagedMqaLogitsApplies } from '../src/ops/sm90/mqa-logits-sm90.js';
import type { CudaRuntime } from '../src/runtime/index.js';
import { readSwitches } from '../src/runtime/switches.js';

// Which problems the Hopper kernels take (the rest run on the portable kernels): decided from the arch, the
// GEMMKIT_CUDA_SM90 switch, shapes and operand layout/alignment — no GPU needed for the decision itself.

function fakeRt(arch: string, misalign = 0n): CudaRuntime {
  const ids = new WeakMap<object, bigint>();
  let next = 1n;
  return {
    device: { arch, smCount: 132 },
    switches: readSwitches(process.env),
    tensorAddress: (t: Tensor) => {
      if (!ids.has(t.storage)) ids.set(t.storage, next++);
      return ((ids.get(t.storage) as bigint) << 32n) + BigInt(t.offset) + misalign;
    },
  } as unknown as CudaRuntime;
}

const h = (dtype: Parameters<typeof Tensor.host>[0], shape: number[]) => Tensor.host(dtype, shape);
const plan = <K extends OpName>(op: K, args: unknown) =>
  (contracts[op] as unknown as { validate(a: unknown, m: string): never }).validate(args, 'fast');

const fp4Args = () => ({
  a: h('bf16', [8, 256]),
  b: h('e2m1x2', [512, 128]).transpose(),
  bScale: h('e4m3', [Math.ceil(512 / 128) * 128 * 16]),
  alpha: h('f32', [1]),
  outDtype: 'bf16' as const,
});

const mqaArgs = (d: number) => ({
  q: h('e4m3', [4, 64, d]),
  k: h('e4m3', [300, d]),
  kScale: h('f32', [300]),
  weights: h('f32', [4, 64]),
  cuSeqLenKStart: h('i32', [4]),
  cuSeqLenKEnd: h('i32', [4]),
  cleanLogits: true,
});

const pagedArgs = (blockKv: number) => ({
  q: h('e4m3', [2, 1, 64, 128]),
  fusedKvCache: h('u8', [16, blockKv, 1, 132]),
  weights: h('f32', [2, 64]),
  contextLens: h('i32', [2]),
  blockTable: h('i32', [2, 8]),
  scheduleMeta: h('i32', [133, 2]),
  maxContextLen: 8 * blockKv,
  cleanLogits: false,
});

describe('sm90 dispatch', () => {
  afterEach(() => {
    delete process.env.GEMMKIT_CUDA_SM90;
  });

  it('mmFp4 W4A16 goes to the Hopper kernel on sm_90a only, and not when forced off or misaligned', () => {
    const args = fp4Args();
    const p = plan('mmFp4', args);
    const out = h('bf16', [8, 512]);
    expect(sm90Fp4GemmApplies(fakeRt('sm_90a'), p, args, out)).toBe(true);
    expect(sm90Fp4GemmApplies(fakeRt('sm_100a'), p, args, out)).toBe(false);
    expect(sm90Fp4GemmApplies(fakeRt('sm_89'), p, args, out)).toBe(false);
    expect(sm90Fp4GemmApplies(fakeRt('sm_90a', 8n), p, args, out)).toBe(false);
    process.env.GEMMKIT_CUDA_SM90 = '0';
    expect(sm90Fp4GemmApplies(fakeRt('sm_90a'), p, args, out)).toBe(false);
  });

  it('fp8MqaLogits takes the Hopper kernel for D = 128 only', () => {
    const a128 = mqaArgs(128);
    expect(sm90MqaLogitsApplies(fakeRt('sm_90a'), plan('fp8MqaLogits', a128), a128)).toBe(true);
    const a64 = mqaArgs(64);
    expect(sm90MqaLogitsApplies(fakeRt('sm_90a'), plan('fp8MqaLogits', a64), a64)).toBe(false);
    expect(sm90MqaLogitsApplies(fakeRt('sm_89'), plan('fp8MqaLogits', a128), a128)).toBe(false);
    process.env.GEMMKIT_CUDA_SM90 = '0';
    expect(sm90MqaLogitsApplies(fakeRt('sm_90a'), plan('fp8MqaLogits', a128), a128)).toBe(false);
  });

  it('fp8PagedMqaLogits takes the Hopper kernel for 32- and 64-token pages, dense operands', () => {
    for (const bkv of [32, 64]) {
      const a = pagedArgs(bkv);
      expect(sm90PagedMqaLogitsApplies(fakeRt('sm_90a'), plan('fp8PagedMqaLogits', a), a)).toBe(true);
      expect(sm90PagedMqaLogitsApplies(fakeRt('sm_89'), plan('fp8PagedMqaLogits', a), a)).toBe(false);
    }
    const strided = { ...pagedArgs(64), blockTable: h('i32', [8, 2]).transpose() };
    expect(sm90PagedMqaLogitsApplies(fakeRt('sm_90a'), plan('fp8PagedMqaLogits', strided), strided)).toBe(
      false,
    );
  });

  it('gemmFp8NtGroupwise honours GEMMKIT_CUDA_SM90=0', () => {
    const args = {
      a: h('e4m3', [256, 512]),
      b: h('e4m3', [256, 512]),
      aScale: h('f32', [256, 4]),
      bScale: h('f32', [2, 4]),
      scaleMajorMode: 'K' as const,
      outDtype: 'bf16' as const,
    };
    const p = plan('gemmFp8NtGroupwise', args);
    const out = h('bf16', [256, 256]);
    expect(sm90Fp8GemmApplies(fakeRt('sm_90a'), p, out)).toBe(true);
    // a bf16 output starting 2 bytes off a 4-byte boundary cannot take the paired stores
    expect(sm90Fp8GemmApplies(fakeRt('sm_90a', 2n), p, out)).toBe(false);
    process.env.GEMMKIT_CUDA_SM90 = '0';
    expect(sm90Fp8GemmApplies(fakeRt('sm_90a'), p, out)).toBe(false);
  });
});
