#!/usr/bin/env node
import { runCli } from '../dist/cli.js';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`mlinfer: internal error: ${e?.stack ?? e}\n`);
    process.exitCode = 1;
  },
);
