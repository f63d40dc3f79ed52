import type { OpName } from '@gemmkit/core';
import type { Params } from './types.js';

/**
 * A named benchmark: an op, fixed params, and a sweep that sets one or more params to each value
 * (`['m','n','k']` sweeps square problems).
 */
export interface BenchPreset {
  readonly name: string;
  readonly title: string;
  readonly op: OpName;
  readonly params: Params;
  readonly sweep: { readonly params: readonly string[]; readonly values: readonly number[] };
}

export const PRESETS: readonly BenchPreset[] = [
  {
    name: 'square-bf16',
    title: 'BF16 GEMM, square M=N=K',
    op: 'bmmFp16',
    params: { batch: 1, dtype: 'bf16' },
    sweep: { params: ['m', 'n', 'k'], values: [256, 512, 1024, 2048, 4096, 8192] },
  },
  {
    name: 'deepseek-v3-fp8',
    title: 'DeepSeek-V3 FP8 block-scaled GEMM (N=7168, K=2048), sweep M',
    op: 'gemmFp8NtGroupwise',
    params: { n: 7168, k: 2048 },
    sweep: { params: ['m'], values: [64, 128, 256, 512, 1024, 2048, 4096] },
  },
  {
    name: 'square-fp8',
    title: 'FP8 per-tensor GEMM, square M=N=K',
    op: 'bmmFp8',
    params: { batch: 1 },
    sweep: { params: ['m', 'n', 'k'], values: [256, 512, 1024, 2048, 4096, 8192] },
  },
];
