/**
 * The CUDA backend's environment switches, read once when a runtime is created: a `process.env` read is a
 * call into the C++ environment (~0.14 µs on the dev machine), and the sm90 dispatch checks used to make one
 * on every op call. A process that wants the other setting creates a new context.
 */
export interface CudaSwitches {
  /** False with GEMMKIT_CUDA_SM90=0: the portable kernels on Hopper too (A/B comparisons). */
  readonly sm90: boolean;
  /** GEMMKIT_SM90_BMM_FP8=1: bmmFp8 on the sm90 block-scaled kernel (opt-in: cuBLASLt measured faster). */
  readonly sm90BmmFp8: boolean;
  /** GEMMKIT_SM90_SEGMENT_B=transpose: segmentGemm's row-major weights through a transpose pre-pass. */
  readonly segmentB: 'native' | 'transpose';
}

export function readSwitches(env: NodeJS.ProcessEnv): CudaSwitches {
  return Object.freeze({
    sm90: env.GEMMKIT_CUDA_SM90 !== '0',
    sm90BmmFp8: env.GEMMKIT_SM90_BMM_FP8 === '1',
    segmentB: env.GEMMKIT_SM90_SEGMENT_B === 'transpose' ? 'transpose' : 'native',
  });
}
