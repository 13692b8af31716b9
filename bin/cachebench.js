#!/usr/bin/env node
import { main } from '../dist/cli/main.js';
import { processTerminal } from '../dist/cli/terminal.js';

// A reader that stops early (`| head`) closes the pipe: that is not an error worth a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2), processTerminal());
