#!/usr/bin/env node
// Runs the compiled CLI (npm's `prepare` builds dist/ on install).
import { main } from '../dist/cli/main.js';

const code = await main(process.argv);
// `start` keeps running after main resolves; only set the code, never force an exit here.
process.exitCode = code;
