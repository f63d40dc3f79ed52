import { contracts, type OpName } from '@gemmkit/core';
import { conformanceCases, seedOf } from '@gemmkit/core/conformance';
import { expect } from 'vitest';

/**
 * For every conformance case of `op`: the plan's flops and bytes are finite, non-negative integers, and
 * flops are 0 exactly when there is nothing to multiply (cost models feed TFLOP/s and GB/s in the CLI).
 */
export function expectSaneCosts(op: OpName): void {
  const cases = conformanceCases.filter((c) => c.op === op);
  expect(cases.length).toBeGreaterThan(0);
  for (const c of cases) {
    const contract = contracts[op] as any;
    const plan = contract.validate(c.build(seedOf(`${c.op}/${c.name}`)), 'full');
    const flops = contract.flops(plan);
    const bytes = contract.bytes(plan);
    expect(Number.isFinite(flops) && flops >= 0, `${c.name}: flops ${flops}`).toBe(true);
    expect(Number.isFinite(bytes) && bytes >= 0, `${c.name}: bytes ${bytes}`).toBe(true);
    expect(Number.isInteger(flops), `${c.name}: flops ${flops}`).toBe(true);
  }
}
