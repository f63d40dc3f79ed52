import { type CallOptions, type Context, fail, Tensor } from '@gemmkit/core';

/** An index argument: a tensor (i32/i64, on the context's backend or host) or plain numbers. */
export type IndexInput = Tensor | ArrayLike<number>;

export interface SegmentGemmRunArgs {
  /** `[S, dIn]` bf16/f16. */
  x: Tensor;
  /** `[W, dIn, dOut]`, or `[W, dOut, dIn]` when `weightColumnMajor`. */
  weights: Tensor;
  /** Number of segments. */
  batchSize: number;
  weightColumnMajor: boolean;
  /** `[batchSize]` segment lengths. */
  segLens?: IndexInput;
  /** `[batchSize + 1]` row offsets (wins over segLens). */
  segIndptr?: IndexInput;
  /** `[batchSize]` weight of each segment (default: segment i uses weights[i]). */
  weightIndices?: IndexInput;
  out?: Tensor;
}

/**
 * FlashInfer's SegmentGEMMWrapper over a Context: `new SegmentGemm(gk).run({ x, weights, batchSize,
 * weightColumnMajor, segLens })` computes `y[seg i] = x[seg i] · W[weightIndices[i] ?? i]` through the
 * `segmentGemm` op on the context's current backend (or `backend`). No workspace buffer is needed: segment
 * metadata is passed to the op as index tensors; plain number arrays are uploaded as i64.
 */
export class SegmentGemm {
  readonly #gk: Context;
  readonly #backend: string | undefined;

  constructor(gk: Context, opts: { backend?: string } = {}) {
    if (!gk || typeof gk !== 'object' || !('ops' in gk))
      fail('E_UNSUPPORTED', 'SegmentGemm needs a Context', {
        arg: 'SegmentGemm.gk',
        expected: 'Context',
        actual: typeof gk,
      });
    this.#gk = gk;
    this.#backend = opts.backend;
  }

  #index(v: IndexInput | undefined, arg: string): Tensor | undefined {
    if (v === undefined || v instanceof Tensor) return v;
    if (typeof v !== 'object' || v === null || typeof (v as ArrayLike<number>).length !== 'number')
      fail('E_UNSUPPORTED', 'expected a tensor or an array of integers', {
        arg,
        expected: 'Tensor | number[]',
        actual: typeof v,
      });
    const arr = Array.from(v as ArrayLike<number>);
    arr.forEach((n, i) => {
      if (!Number.isSafeInteger(n))
        fail('E_RANGE', 'index values must be integers', {
          arg,
          expected: 'integers',
          actual: `${n} at ${i}`,
        });
    });
    const host = Tensor.host(
      'i64',
      [arr.length],
      new Uint8Array(BigInt64Array.from(arr, (n) => BigInt(n)).buffer),
    );
    return this.#gk.to(host, this.#backend);
  }

  run(args: SegmentGemmRunArgs): Tensor {
    const call: CallOptions | undefined =
      this.#backend === undefined ? undefined : { backend: this.#backend };
    return this.#gk.ops.segmentGemm(
      {
        x: args.x,
        weights: args.weights,
        batchSize: args.batchSize,
        weightColumnMajor: args.weightColumnMajor,
        segLens: this.#index(args.segLens, 'SegmentGemm.run.segLens'),
        segIndptr: this.#index(args.segIndptr, 'SegmentGemm.run.segIndptr'),
        weightIndices: this.#index(args.weightIndices, 'SegmentGemm.run.weightIndices'),
        out: args.out,
      },
      call,
    );
  }
}
