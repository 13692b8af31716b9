#!/usr/bin/env node
import { main } from '../dist/cli/main.js';
import { processTerminal } from '../dist/cli/terminal.js';

process.exitCode = await main(process.argv.slice(2), processTerminal());
