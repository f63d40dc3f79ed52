import { GemmkitError } from '@gemmkit/core';

/** Exit codes of `gemmkit`: documented in `gemmkit --help`. */
export const EXIT = {
  ok: 0,
  /** A verification (demo/verify) or comparison failed. */
  failed: 1,
  /** Bad usage or a GemmkitError (bad input, unavailable backend...). */
  error: 2,
} as const;

/** Thrown by commander on bad usage; carries its own exit code. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * One line for any error: `error E_CODE: message` for GemmkitErrors, `error: message` otherwise.
 * Multi-line messages (compiler logs) are cut to their first line; GEMMKIT_DEBUG=1 adds the stack.
 */
export function formatError(e: unknown, debug = false): string {
  const firstLine = (s: string) => s.split('\n', 1)[0];
  let line: string;
  if (e instanceof GemmkitError) line = `error ${firstLine(e.message)}`;
  else if (e instanceof Error) line = `error: ${firstLine(e.message)}`;
  else line = `error: ${String(e)}`;
  if (debug && e instanceof Error && e.stack) line += `\n${e.stack}`;
  return line;
}
