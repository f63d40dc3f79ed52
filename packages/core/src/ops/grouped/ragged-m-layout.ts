import { fail } from '../../errors.js';
import { roundUp } from './math.js';

/**
 * How `raggedTokensInfo` assigns the rows of a ragged-M MoE GEMM to experts.
 * - `per_token`: `[M]` expert id per row, `-1` on padding rows.
 * - `psum_expert`: `[E]` ends in row space; expert e owns rows `[roundUp(info[e-1], alignmentM), info[e])`
 *   (`info[-1] = 0`); an end at or below its start means the expert is empty.
 *   Example, counts 3, 0, 2 at alignment 128: info = [3, 128, 258].
 * - `per_expert`: `[E]` token counts; expert e owns `count[e]` rows starting at the previous expert's end
 *   rounded up to `alignmentM` (the first at row 0). Example, counts 3, 0, 2: rows [0,3), none, [128,130).
 * Rows owned by no expert are padding.
 */
export type RaggedMMode = 'per_token' | 'psum_expert' | 'per_expert';
export const RAGGED_M_MODES: readonly RaggedMMode[] = ['per_token', 'psum_expert', 'per_expert'];

/** Consecutive rows `[start, end)` computed with one expert's weights. */
export interface RowRun {
  readonly expert: number;
  readonly start: number;
  readonly end: number;
}

/**
 * The rows each expert computes, as a kernel must read them: never outside `[0, m)`, entries that are out of
 * range (expert id outside [-1, E), negative counts, ends beyond M) are clamped or skipped and counted in
 * `bad` so a backend can raise its status flag.
 */
export function raggedMRuns(
  mode: RaggedMMode,
  info: ArrayLike<number>,
  numExperts: number,
  m: number,
  alignmentM: number,
): { runs: RowRun[]; bad: number } {
  const runs: RowRun[] = [];
  let bad = 0;
  if (mode === 'per_token') {
    const rows = Math.min(m, info.length);
    let r = 0;
    while (r < rows) {
      const e = info[r];
      if (!(Number.isInteger(e) && e >= 0 && e < numExperts)) {
        if (e !== -1) bad++;
        r++;
        continue;
      }
      let end = r + 1;
      while (end < rows && info[end] === e) end++;
      runs.push({ expert: e, start: r, end });
      r = end;
    }
    return { runs, bad };
  }
  let prevEnd = 0;
  const groups = Math.min(numExperts, info.length);
  for (let e = 0; e < groups; e++) {
    const v = info[e];
    const start = roundUp(prevEnd, alignmentM);
    let end: number;
    if (mode === 'psum_expert') {
      if (!Number.isInteger(v) || v < prevEnd || v > m) bad++;
      end = Number.isInteger(v) ? Math.min(Math.max(v, prevEnd), m) : prevEnd;
    } else {
      if (!Number.isInteger(v) || v < 0 || start + v > m) bad++;
      end = Number.isInteger(v) && v > 0 ? Math.min(start + v, m) : start;
      end = Math.max(end, Math.min(start, m));
    }
    if (end > start) runs.push({ expert: e, start, end });
    prevEnd = end;
  }
  return { runs, bad };
}

/**
 * `per_token` layout check as a kernel does it ('fast' validation / device status): the number of
 * `alignmentM`-row blocks whose valid expert ids (in `[0, E)`) are not all the same. Such a block breaks the
 * contiguous layout (E_LAYOUT, like the 'full' check), even though each row names a valid expert.
 */
export function raggedMMixedBlocks(info: ArrayLike<number>, numExperts: number, alignmentM: number): number {
  let mixed = 0;
  for (let b = 0; b < info.length; b += alignmentM) {
    let blockExpert = -1;
    for (let r = b; r < Math.min(b + alignmentM, info.length); r++) {
      const e = info[r];
      if (!(Number.isInteger(e) && e >= 0 && e < numExperts)) continue;
      if (blockExpert >= 0 && e !== blockExpert) {
        mixed++;
        break;
      }
      blockExpert = e;
    }
  }
  return mixed;
}

/** Precise E_RANGE / E_LAYOUT errors for host-readable `raggedTokensInfo` ('full' validation). */
export function checkRaggedMInfo(
  mode: RaggedMMode,
  info: readonly number[],
  numExperts: number,
  m: number,
  alignmentM: number,
  arg: string,
): void {
  if (mode === 'per_token') {
    let blockExpert = -1;
    for (let r = 0; r < info.length; r++) {
      const e = info[r];
      if (e < -1 || e >= numExperts)
        fail('E_RANGE', `expert id out of range at row ${r}`, {
          arg,
          expected: `-1 (padding) or [0, ${numExperts})`,
          actual: e,
        });
      if (r % alignmentM === 0) blockExpert = -1;
      if (e >= 0) {
        if (blockExpert >= 0 && e !== blockExpert)
          fail('E_LAYOUT', `rows of one ${alignmentM}-row block must share one expert (row ${r})`, {
            arg,
            expected: `expert ${blockExpert} or -1`,
            actual: e,
          });
        blockExpert = e;
      }
    }
    return;
  }
  let prevEnd = 0;
  for (let e = 0; e < info.length; e++) {
    const v = info[e];
    if (mode === 'psum_expert') {
      if (v < prevEnd || v > m)
        fail('E_RANGE', `psum entry ${e} must be non-decreasing and at most M`, {
          arg,
          expected: `[${prevEnd}, ${m}]`,
          actual: v,
        });
      prevEnd = Math.max(v, prevEnd);
    } else {
      if (v < 0)
        fail('E_RANGE', `token count of expert ${e} is negative`, { arg, expected: '>= 0', actual: v });
      const start = roundUp(prevEnd, alignmentM);
      if (start + v > m)
        fail('E_RANGE', `expert ${e}'s rows [${start}, ${start + v}) run past M`, {
          arg,
          expected: `rows within [0, ${m}) (groups padded to ${alignmentM})`,
          actual: v,
        });
      prevEnd = start + v;
    }
  }
}
