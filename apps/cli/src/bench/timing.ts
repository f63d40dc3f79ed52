import { tensorsIn } from '@gemmkit/core';

export interface TimingOptions {
  /** Untimed runs first (JIT compile, pipeline creation, allocator warm-up). */
  warmup: number;
  /** Timed runs at most. */
  iters: number;
  /** Stop early once this much time was spent in timed runs (keeps big sizes bounded). */
  budgetMs: number;
}

export interface Timing {
  medianMs: number;
  minMs: number;
  samples: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Free every tensor an op returned, so long sweeps don't pile up device memory. */
export function disposeResult(result: unknown): void {
  if (result && typeof result === 'object' && 'dispose' in result && 'storage' in result)
    (result as { dispose(): void }).dispose();
  else for (const [, t] of tensorsIn(result)) t.dispose();
}

/**
 * Wall-clock time of `run` + `sync` (the op is enqueued, then waited for): what a caller observes.
 * The median is reported; at least one timed run always happens.
 */
export async function timeOp(
  run: () => unknown,
  sync: () => Promise<void>,
  opts: TimingOptions,
): Promise<Timing> {
  for (let i = 0; i < opts.warmup; i++) {
    disposeResult(run());
    await sync();
  }
  const samples: number[] = [];
  let spent = 0;
  while (samples.length < Math.max(1, opts.iters) && (samples.length === 0 || spent < opts.budgetMs)) {
    const t0 = performance.now();
    const r = run();
    await sync();
    const dt = performance.now() - t0;
    disposeResult(r);
    samples.push(dt);
    spent += dt;
  }
  return { medianMs: median(samples), minMs: Math.min(...samples), samples: samples.length };
}
