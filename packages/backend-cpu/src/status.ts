import { contracts, GemmkitError, type KernelTable, type OpName } from '@gemmkit/core';

/**
 * The CPU backend's "device status" for `validate: 'fast'`. The host is the device here, so after a kernel
 * has done its clamped, in-bounds work the call reports bad data exactly as 'full' validation would have
 * before launch: same code, same argument (design notes: "same code, same argument name"). The contract's
 * full check runs first (it reads only inputs), the kernel runs anyway, and the contract's error wins over the
 * kernel's coarser status error. With 'full' the contract already ran and kernels are called as they are.
 */
export function withHostStatus(table: KernelTable): KernelTable {
  const out: Record<string, unknown> = {};
  for (const op of Object.keys(table) as OpName[]) {
    const kernel = table[op] as
      | ((plan: unknown, args: unknown, kctx: { validate: string }) => unknown)
      | undefined;
    if (!kernel) continue;
    const contract = contracts[op] as { validate(args: unknown, mode: 'full'): unknown };
    out[op] = (plan: unknown, args: unknown, kctx: { validate: string }) => {
      if (kctx.validate !== 'fast') return kernel(plan, args, kctx);
      let status: GemmkitError | undefined;
      try {
        contract.validate(args, 'full');
      } catch (e) {
        if (!(e instanceof GemmkitError)) throw e;
        status = e;
      }
      let result: unknown;
      try {
        result = kernel(plan, args, kctx);
      } catch (e) {
        throw status ?? e;
      }
      if (status) throw status;
      return result;
    };
  }
  return out as KernelTable;
}
