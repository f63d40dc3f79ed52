/** Error codes of gemmkit (design brief §4). */
export type ErrorCode =
  | 'E_SHAPE'
  | 'E_DTYPE'
  | 'E_LAYOUT'
  | 'E_ALIGN'
  | 'E_RANGE'
  | 'E_UNSUPPORTED'
  | 'E_DEVICE'
  | 'E_OOM'
  | 'E_COMPILE'
  | 'E_DISPOSED';

export interface ErrorDetail {
  /** The argument (or `op.argument`) at fault, e.g. `bmmFp8.aScale`. */
  arg?: string;
  expected?: unknown;
  actual?: unknown;
  /** Lower-level cause (CUDA error name, compiler log, ...). */
  cause?: unknown;
}

function show(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return `${v}n`;
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** The one error class of gemmkit. `code` is stable; the message names argument, expected and actual. */
export class GemmkitError extends Error {
  readonly code: ErrorCode;
  readonly arg?: string;
  readonly expected?: unknown;
  readonly actual?: unknown;

  constructor(code: ErrorCode, message: string, detail: ErrorDetail = {}) {
    const parts = [message];
    if (detail.arg !== undefined) parts.push(`argument: ${detail.arg}`);
    if (detail.expected !== undefined) parts.push(`expected: ${show(detail.expected)}`);
    if (detail.actual !== undefined) parts.push(`actual: ${show(detail.actual)}`);
    super(`${code}: ${parts.join('; ')}`, detail.cause !== undefined ? { cause: detail.cause } : undefined);
    this.name = 'GemmkitError';
    this.code = code;
    this.arg = detail.arg;
    this.expected = detail.expected;
    this.actual = detail.actual;
  }
}

/** Throw a GemmkitError; typed `never` so it can end expressions. */
export function fail(code: ErrorCode, message: string, detail: ErrorDetail = {}): never {
  throw new GemmkitError(code, message, detail);
}

export function isGemmkitError(e: unknown, code?: ErrorCode): e is GemmkitError {
  return e instanceof GemmkitError && (code === undefined || e.code === code);
}
