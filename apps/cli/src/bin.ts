#!/usr/bin/env node
console.log('gemmkit: the CLI is being built');
