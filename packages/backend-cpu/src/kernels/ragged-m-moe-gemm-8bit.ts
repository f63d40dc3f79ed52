import { fail, type KernelFn, raggedMMixedBlocks, raggedMRuns } from '@gemmkit/core';
import { gemmF64 } from '../gemm.js';
import { outputTensor, readF64, readInts } from '../host.js';
import { raiseIndexStatus, scaleBlocks, writeRows } from './grouped-common.js';

/**
 * Ragged-M MoE GEMM: dequantize A (per-token 1×gk scales) and each used expert's B (gn×gk blocks) exactly,
 * multiply in float64, round each computed row once. Padding rows are never written.
 */
export const raggedMMoeGemm8bit: KernelFn<'raggedMMoeGemm8bit'> = (plan, args, kctx) => {
  const { m, n, k, numExperts, granularity } = plan;
  const [, gn, gk] = granularity;
  const out = outputTensor(kctx, args.out, plan.outDtype, plan.outShape);
  const info = readInts(args.raggedTokensInfo);
  const { runs, bad } = raggedMRuns(plan.gemmMode, info, numExperts, m, plan.alignmentM);
  if (runs.length > 0 && n > 0) {
    const a = readF64(args.a);
    scaleBlocks(a, 0, m, k, readF64(args.aScale), 0, 1, gk);
    const b = readF64(args.b);
    const bScale = readF64(args.bScale);
    const perExpertScales = Math.ceil(n / gn) * Math.ceil(k / gk);
    const weights = new Map<number, Float64Array>();
    for (const run of runs) {
      let w = weights.get(run.expert);
      if (!w) {
        w = b.slice(run.expert * n * k, (run.expert + 1) * n * k);
        scaleBlocks(w, 0, n, k, bScale, run.expert * perExpertScales, gn, gk);
        weights.set(run.expert, w);
      }
      const rows = run.end - run.start;
      const acc = new Float64Array(rows * n);
      gemmF64(a, run.start * k, w, 0, rows, n, k, acc, 0);
      writeRows(out, 0, run.start, rows, acc);
    }
  }
  raiseIndexStatus('raggedMMoeGemm8bit', 'raggedTokensInfo', bad);
  // A block shared by two experts is a layout error (as the 'full' check and the device kernels report it),
  // though every row was computed with its own expert here.
  const mixed = plan.gemmMode === 'per_token' ? raggedMMixedBlocks(info, numExperts, plan.alignmentM) : 0;
  if (mixed > 0)
    fail(
      'E_LAYOUT',
      `raggedMMoeGemm8bit: ${mixed} ${plan.alignmentM}-row block(s) hold rows of two experts`,
      {
        arg: 'raggedMMoeGemm8bit.raggedTokensInfo',
        expected: 'one expert (or -1) per aligned block',
        actual: `${mixed} mixed block(s)`,
      },
    );
  return out;
};
