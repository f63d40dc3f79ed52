#!/usr/bin/env node
import { main } from './main.js';

// Exit explicitly: a GPU runtime (Dawn, CUDA) may keep the event loop alive after the work is done.
main(process.argv).then((code) => process.exit(code));
