#!/usr/bin/env node
import { EXIT, formatError } from './errors.js';
import { main } from './main.js';

// Errors that escape a command (a device callback, a stray promise) still end as one line and exit 2.
const crash = (e: unknown) => {
  process.stderr.write(`${formatError(e, process.env.GEMMKIT_DEBUG === '1')}\n`);
  process.exit(EXIT.error);
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

// Exit explicitly: a GPU runtime (Dawn, CUDA) may keep the event loop alive after the work is done.
main(process.argv).then((code) => process.exit(code));
