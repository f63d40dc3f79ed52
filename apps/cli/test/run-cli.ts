import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
// tsx resolves from the CLI package (it is a devDependency there, not of the repo root).
const cwd = fileURLToPath(new URL('..', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Strip ANSI colors (picocolors turns them on under CI). */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
export const plain = (s: string): string => s.replace(ANSI, '');

/**
 * Spawn the real CLI entry point through tsx on the workspace sources (the `source` export condition),
 * so the tests exercise argument parsing, exit codes and output exactly as a user sees them.
 */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', bin, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: plain(stdout), stderr: plain(stderr) }));
  });
}

/** stderr lines that are ours (Dawn prints driver warnings there too). */
export const errorLines = (stderr: string): string[] =>
  stderr.split('\n').filter((l) => l.startsWith('error'));

/**
 * Run the CLI on a pseudo-terminal (util-linux `script`), as a user at a terminal sees it: progress bar and
 * colors on. Returns the raw terminal stream.
 */
export function runCliOnTty(args: string[]): Promise<CliResult> {
  const quote = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
  const cmd = [process.execPath, '--conditions=source', '--import', 'tsx', bin, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], {
      cwd,
      env: { ...withoutNoColor(process.env), FORCE_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function withoutNoColor(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NO_COLOR: _drop, ...rest } = env;
  return rest;
}
