import { gemmF64 } from '@gemmkit/backend-cpu';
import type { Capabilities } from '@gemmkit/core';

/** Which peak applies: the precision the tensor cores (or ALUs) multiply in. */
export type Precision = 'fp4' | 'fp8' | 'fp16' | 'f32';

export interface Ceiling {
  /** Where the numbers come from: a datasheet entry or a measurement. */
  source: string;
  /** Memory bandwidth, GB/s. */
  gbps: number;
  /** Dense peak per precision, TFLOP/s. */
  tflops: Record<Precision, number>;
}

/** Dense (no sparsity) datasheet peaks of GPUs gemmkit targets. Matched on the device name. */
const KNOWN: Array<{ match: RegExp; ceiling: Ceiling }> = [
  {
    match: /H200/i,
    ceiling: {
      source: 'H200 SXM datasheet',
      gbps: 4800,
      tflops: { fp4: 1979, fp8: 1979, fp16: 989, f32: 67 },
    },
  },
  {
    match: /H100.*PCIe/i,
    ceiling: {
      source: 'H100 PCIe datasheet',
      gbps: 2000,
      tflops: { fp4: 1513, fp8: 1513, fp16: 756, f32: 51 },
    },
  },
  {
    match: /H100|H800/i,
    ceiling: {
      source: 'H100 SXM datasheet',
      gbps: 3350,
      tflops: { fp4: 1979, fp8: 1979, fp16: 989, f32: 67 },
    },
  },
  {
    match: /B200/i,
    ceiling: { source: 'B200 datasheet', gbps: 8000, tflops: { fp4: 9000, fp8: 4500, fp16: 2250, f32: 75 } },
  },
  {
    match: /A100/i,
    ceiling: {
      source: 'A100 SXM datasheet',
      gbps: 2039,
      tflops: { fp4: 312, fp8: 312, fp16: 312, f32: 19.5 },
    },
  },
  {
    match: /RTX 4090/i,
    ceiling: {
      source: 'RTX 4090 datasheet',
      gbps: 1008,
      tflops: { fp4: 330, fp8: 330, fp16: 165, f32: 82.6 },
    },
  },
];

let hostCeiling: Ceiling | undefined;
export let sink = 0;

/**
 * Measure the host: a 32 MiB copy for bandwidth and the CPU backend's float64 GEMM for compute (the CPU
 * reference accumulates in float64, so that is its ceiling whatever the input dtype).
 */
export function measureHostCeiling(): Ceiling {
  if (hostCeiling) return hostCeiling;
  const n = 4 << 20;
  const src = new Float64Array(n).fill(1.5);
  const dst = new Float64Array(n);
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    dst.set(src);
    best = Math.min(best, performance.now() - t0);
  }
  const gbps = (2 * n * 8) / (best * 1e-3) / 1e9;
  // Compute: the CPU backend's own float64 GEMM kernel on a cache-friendly 256³ problem, best of 3 —
  // the fastest that backend multiplies on this host, whatever the input dtype.
  const d = 256;
  const a = new Float64Array(d * d).map((_, i) => 1 + (i % 7) * 1e-3);
  const c = new Float64Array(d * d);
  for (let i = 0; i < 4; i++) gemmF64(a, 0, a, 0, 64, 64, d, c, 0); // let the JIT optimize it first
  let bestMs = Number.POSITIVE_INFINITY;
  for (let trial = 0; trial < 3; trial++) {
    const t0 = performance.now();
    gemmF64(a, 0, a, 0, d, d, d, c, 0);
    bestMs = Math.min(bestMs, performance.now() - t0);
  }
  sink = c[0];
  const flops = (2 * d * d * d) / (bestMs * 1e-3) / 1e12;
  hostCeiling = {
    source: 'measured on this host (f64 GEMM, memcpy)',
    gbps,
    tflops: { fp4: flops, fp8: flops, fp16: flops, f32: flops },
  };
  return hostCeiling;
}

/** The roofline of the device a backend runs on, or undefined when unknown. */
export function ceilingFor(backend: string, caps: Capabilities | undefined): Ceiling | undefined {
  const name = caps?.device ?? '';
  const known = KNOWN.find((k) => k.match.test(name));
  if (known) return known.ceiling;
  if (backend === 'cpu') return measureHostCeiling();
  return undefined;
}

/**
 * Fraction of the roofline bound reached: achieved FLOP/s over min(peak, intensity x bandwidth). 1.0 means
 * the run is at the ceiling that limits it (compute or memory).
 */
export function rooflineFraction(
  flops: number,
  bytes: number,
  seconds: number,
  ceiling: Ceiling,
  precision: Precision,
): number {
  if (flops <= 0) return bytes / seconds / (ceiling.gbps * 1e9); // pure data movement (quantizers)
  const peak = ceiling.tflops[precision] * 1e12;
  const bound = Math.min(peak, (flops / Math.max(bytes, 1)) * ceiling.gbps * 1e9);
  return flops / seconds / bound;
}
