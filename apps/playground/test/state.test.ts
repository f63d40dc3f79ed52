import { describe, expect, it } from 'vitest';
import { gridOf } from '../src/components/Heatmap.js';
import { defaultState, PLAYGROUND_OPS, parseState, stateToSearch } from '../src/state.js';

describe('URL state', () => {
  it('round-trips op, backend, seed and every parameter', () => {
    const s = { ...defaultState('bmmFp8', 'cpu'), seed: 7 };
    s.params = { ...s.params, m: 24, outDtype: 'e4m3', dtypes: 'e5m2×e4m3' };
    const search = stateToSearch(s, true);
    const back = parseState(search);
    expect(back.error).toBeUndefined();
    expect(back.autorun).toBe(true);
    expect(back.state).toEqual(s);
    expect(parseState(stateToSearch(s)).autorun).toBe(false);
  });

  it('defaults to an FP8 GEMM on WebGPU', () => {
    const { state, error } = parseState('');
    expect(error).toBeUndefined();
    expect(state.op).toBe('gemmFp8NtGroupwise');
    expect(state.backend).toBe('webgpu');
  });

  it.each([
    ['?op=nope', /unknown op 'nope'/],
    ['?op=bmmFp8&backend=tpu', /unknown backend 'tpu'/],
    ['?op=bmmFp8&k=33', /^E_ALIGN: must be a multiple of 16; argument: bmmFp8\.k/],
    ['?op=bmmFp8&outDtype=f64', /^E_UNSUPPORTED: unsupported value; argument: bmmFp8\.outDtype/],
    ['?op=bmmFp8&seed=-2', /seed must be a non-negative integer/],
  ])('%s falls back to defaults and says why', (search, why) => {
    const r = parseState(search);
    expect(r.error).toMatch(why);
    expect(r.autorun).toBe(false);
    expect(PLAYGROUND_OPS).toContain(r.state.op);
  });

  it('offers every op of the registry (dedicated workloads first)', async () => {
    const { OP_NAMES } = await import('@gemmkit/core');
    expect([...PLAYGROUND_OPS].sort()).toEqual([...OP_NAMES].sort());
    expect(PLAYGROUND_OPS[0]).toBe('gemmFp8NtGroupwise');
  });
});

describe('heatmap grid', () => {
  it('stacks leading dimensions as rows, the last as columns', () => {
    expect(gridOf([4, 16, 64])).toEqual([64, 64]);
    expect(gridOf([130, 40])).toEqual([130, 40]);
    expect(gridOf([7])).toEqual([1, 7]);
    expect(gridOf([])).toEqual([1, 1]);
  });
});
