import { Command, CommanderError, Option } from 'commander';
import { benchCommand } from './commands/bench.js';
import { demoCommand } from './commands/demo.js';
import { infoCommand } from './commands/info.js';
import { opsCommand } from './commands/ops.js';
import { verifyCommand } from './commands/verify.js';
import { EXIT, formatError } from './errors.js';
import { PRESETS, SIZE_PRESETS } from './workloads/index.js';

export interface Io {
  out(s: string): void;
  err(s: string): void;
}

const defaultIo: Io = {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
};

const backendOpt = () =>
  new Option('-b, --backend <name>', 'cuda | webgpu | cpu | auto (best available)').default('auto');

/** Run the CLI; resolves to the exit code. Never throws: errors become one line on stderr. */
export async function main(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = new Command()
    .name('gemmkit')
    .description('GEMMs for LLM inference: probe backends, run the demo, verify, benchmark')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .addHelpText(
      'after',
      `\nExit codes: ${EXIT.ok} ok, ${EXIT.failed} a check failed, ${EXIT.error} bad usage or error (one line: code + message).`,
    )
    .showSuggestionAfterError();

  program
    .command('info')
    .description('probe every backend: availability (and why not), device, arch, features, op coverage')
    .option('--json', 'print JSON')
    .action(async (o) => {
      code = await infoCommand(o, io.out);
    });

  program
    .command('ops')
    .description("list the ops with their math; with an op: its workload's parameters")
    .argument('[op]', 'an op name')
    .action(async (op) => {
      code = await opsCommand(op, io.out);
    });

  program
    .command('demo')
    .description('run every op on the best backend, verified against the CPU reference')
    .addOption(backendOpt())
    .addOption(
      new Option('-s, --size <preset>', 'problem sizes (default: per backend)').choices(SIZE_PRESETS),
    )
    .option('--op <names>', 'comma-separated ops (default: all)')
    .option('--json', 'print JSON instead of the table')
    .option('--no-progress', 'no progress bar')
    .action(async (o) => {
      code = await demoCommand(o, io.out);
    });

  program
    .command('verify')
    .description('conformance sweep (vs CPU reference, rerun bitwise) + bad-input matrix on one backend')
    .addOption(backendOpt())
    .option('--op <names>', 'comma-separated ops (default: all)')
    .option('--no-bad-input', 'skip the bad-input matrix')
    .option('--json', 'print JSON')
    .option('--no-progress', 'no progress bar')
    .action(async (o) => {
      code = await verifyCommand(o, io.out);
    });

  program
    .command('bench')
    .description('time an op or preset over a shape sweep')
    .argument('<target>', `op name or preset (${PRESETS.map((p) => p.name).join(', ')})`)
    .addOption(
      new Option('-b, --backend <names>', 'comma-separated backends, auto (best) or all').default('auto'),
    )
    .addOption(new Option('-s, --size <preset>', 'base problem size').choices(SIZE_PRESETS).default('small'))
    .option('--sizes <list>', 'values of the sweep parameter, e.g. 64,128,256')
    .option('--set <name=value...>', 'fix workload parameters, e.g. --set k=4096 outDtype=f16')
    .option('--iters <n>', 'timed runs per point', '10')
    .option('--warmup <n>', 'untimed runs per point', '2')
    .option('--check', 'also verify each point against the CPU reference')
    .option('--json [file]', 'write JSON (stdout when no file)')
    .option('--csv [file]', 'write CSV (stdout when no file)')
    .option('--plot <file>', 'draw throughput vs size per backend (.svg or .png)')
    .option('--no-progress', 'no progress bar')
    .action(async (target, o) => {
      code = await benchCommand(target, o, io.out);
    });

  try {
    await program.parseAsync(argv as string[]);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help/version exit 0; usage errors were already printed by commander as one line
      return e.exitCode === 0 ? EXIT.ok : EXIT.error;
    }
    io.err(formatError(e, process.env.GEMMKIT_DEBUG === '1'));
    return EXIT.error;
  }
}
