import { moeMaxRows } from '../../ops/moe-common.js';
import { randomTensor, tensorFrom } from '../../random.js';
import { Tensor } from '../../tensor.js';
import type { BadInputCase, ConformanceCase } from '../types.js';
import { hostRowMaps, routedIds } from './moe-helpers.js';
import { bad } from './quant-helpers.js';

const op = 'moePermute';
const exact = { calcDiff: 0, maxAbs: 0 };

/** tokenOf of a routed layout for T tokens (built by the independent host map, not by moeAlignLayout). */
export function routedTokenOf(
  tokens: number,
  k: number,
  experts: number,
  alignment: number,
  seed: number,
  drop = 0,
) {
  const ids = routedIds(tokens, k, experts, seed, drop);
  const rows = moeMaxRows(tokens * k, experts, alignment);
  const maps = hostRowMaps(
    new Int32Array(ids.hostBytes().slice().buffer),
    tokens,
    k,
    experts,
    alignment,
    rows,
  );
  return {
    ids,
    tokenOf: tensorFrom('i32', [rows], maps.tokenOf),
    rowOf: tensorFrom('i32', [tokens, k], maps.rowOf),
    rows,
  };
}

const c = (name: string, build: ConformanceCase<typeof op>['build']): ConformanceCase<typeof op> => ({
  op,
  name,
  build,
  tolerance: exact,
});

export const moePermuteCases: ConformanceCase<typeof op>[] = [
  c('bf16 T=12 H=64 k=2 E=4 A=8', (s) => ({
    x: randomTensor('bf16', [12, 64], { seed: s }),
    tokenOf: routedTokenOf(12, 2, 4, 8, s).tokenOf,
  })),
  c('e4m3 T=9 H=257 (odd width) k=3 E=8 A=16', (s) => ({
    x: randomTensor('e4m3', [9, 257], { seed: s }),
    tokenOf: routedTokenOf(9, 3, 8, 16, s).tokenOf,
  })),
  c('f32 scales T=20 H=3 k=4 E=16 A=4 dropped slots', (s) => ({
    x: randomTensor('f32', [20, 3], { seed: s }),
    tokenOf: routedTokenOf(20, 4, 16, 4, s, 0.25).tokenOf,
  })),
  c('f16 T=5 H=7 A=128', (s) => ({
    x: randomTensor('f16', [5, 7], { seed: s }),
    tokenOf: routedTokenOf(5, 2, 3, 128, s).tokenOf,
  })),
  c('given out (padding rows zeroed)', (s) => ({
    x: randomTensor('bf16', [6, 32], { seed: s }),
    tokenOf: routedTokenOf(6, 2, 4, 8, s).tokenOf,
    out: Tensor.host('bf16', [routedTokenOf(6, 2, 4, 8, s).rows, 32]),
  })),
  c('zero rows', (s) => ({ x: randomTensor('f32', [3, 8], { seed: s }), tokenOf: Tensor.host('i32', [0]) })),
];

const x = (s: number) => randomTensor('bf16', [4, 16], { seed: s });
const map = () => tensorFrom('i32', [8], [0, 1, -1, -1, 3, 2, -1, -1]);

export const moePermuteBadInputs: BadInputCase<typeof op>[] = [
  bad(op, 'x not a tensor', 'E_UNSUPPORTED', `${op}.x`, () => ({ x: 'x' as any, tokenOf: map() })),
  bad(op, 'x of e2m1x2', 'E_DTYPE', `${op}.x`, (s) => ({
    x: randomTensor('e2m1x2', [4, 8], { seed: s }),
    tokenOf: map(),
  })),
  bad(op, 'x of rank 1', 'E_SHAPE', `${op}.x`, (s) => ({
    x: randomTensor('bf16', [16], { seed: s }),
    tokenOf: map(),
  })),
  bad(op, 'transposed x', 'E_LAYOUT', `${op}.x`, (s) => ({
    x: randomTensor('bf16', [16, 4], { seed: s }).transpose(0, 1),
    tokenOf: map(),
  })),
  bad(op, 'tokenOf of i64', 'E_DTYPE', `${op}.tokenOf`, (s) => ({
    x: x(s),
    tokenOf: randomTensor('i64', [8], { seed: s, low: 0, high: 4 }),
  })),
  bad(op, 'tokenOf of rank 2', 'E_SHAPE', `${op}.tokenOf`, (s) => ({
    x: x(s),
    tokenOf: tensorFrom('i32', [2, 2], [0, 1, 2, 3]),
  })),
  bad(op, 'strided tokenOf', 'E_LAYOUT', `${op}.tokenOf`, (s) => ({
    x: x(s),
    tokenOf: new Tensor('i32', [4], tensorFrom('i32', [8], [0, 0, 1, 1, 2, 2, 3, 3]).storage, [2], 0),
  })),
  bad(op, 'tokenOf = T', 'E_RANGE', `${op}.tokenOf`, (s) => ({
    x: x(s),
    tokenOf: tensorFrom('i32', [4], [0, 4, -1, -1]),
  })),
  bad(op, 'tokenOf -3', 'E_RANGE', `${op}.tokenOf`, (s) => ({
    x: x(s),
    tokenOf: tensorFrom('i32', [4], [0, -3, -1, -1]),
  })),
  bad(op, 'out of wrong dtype', 'E_DTYPE', `${op}.out`, (s) => ({
    x: x(s),
    tokenOf: map(),
    out: Tensor.host('f16', [8, 16]),
  })),
  bad(op, 'out of wrong shape', 'E_SHAPE', `${op}.out`, (s) => ({
    x: x(s),
    tokenOf: map(),
    out: Tensor.host('bf16', [4, 16]),
  })),
  bad(op, 'non-contiguous out', 'E_LAYOUT', `${op}.out`, (s) => ({
    x: x(s),
    tokenOf: map(),
    out: Tensor.host('bf16', [16, 8]).transpose(0, 1),
  })),
];
