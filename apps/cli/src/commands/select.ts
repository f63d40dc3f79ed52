import { fail, OP_NAMES, type OpName } from '@gemmkit/core';

/** `--op a,b` → op names (all when absent); an unknown name is an error listing the known ones. */
export function selectOps(spec: string | undefined): OpName[] {
  if (spec === undefined || spec === '' || spec === 'all') return [...OP_NAMES];
  const names = spec.split(',').map((s) => s.trim());
  for (const n of names)
    if (!OP_NAMES.includes(n as OpName))
      fail('E_UNSUPPORTED', `unknown op '${n}'`, { arg: '--op', expected: OP_NAMES, actual: n });
  return names as OpName[];
}
