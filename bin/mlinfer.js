#!/usr/bin/env node
// The mlinfer CLI: a thin launcher for the built package (dist/cli.js).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  // A git checkout after `npm ci`, before the first build.
  process.stderr.write(
    'mlinfer: error: the package is not built (dist/cli.js is missing): run  npm run build\n',
  );
  process.exit(1);
}
const { runCli } = await import(cli.href);
runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`mlinfer: internal error: ${e?.stack ?? e}\n`);
    process.exitCode = 1;
  },
);
