// The mlinfer command line. Each command lives in its own file under commands/.
import { Command, Option } from 'commander';
import { VERSION } from '../version.js';
import { registerBatch } from './commands/batch.js';
import { registerDrift } from './commands/drift.js';
import { registerEvaluate } from './commands/evaluate.js';
import { registerExplain } from './commands/explain.js';
import { registerExport } from './commands/export.js';
import { registerImport } from './commands/import.js';
import { registerInspect } from './commands/inspect.js';
import { registerMerge } from './commands/merge.js';
import { registerServe } from './commands/serve.js';
import { registerTrain } from './commands/train.js';
import { registerTypes } from './commands/types.js';
import { reportError } from './errors.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('mlinfer')
    .description(
      'train random forests and serve them: batch scoring of large files, and real-time predictions',
    )
    .version(VERSION)
    .addOption(new Option('--verbose', 'show stack traces and every issue on errors'))
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerTrain(program);
  registerBatch(program);
  registerServe(program);
  registerEvaluate(program);
  registerInspect(program);
  registerExplain(program);
  registerTypes(program);
  registerImport(program);
  registerMerge(program);
  registerDrift(program);
  registerExport(program);
  for (const c of program.commands) c.exitOverride().showHelpAfterError('(run with --help for usage)');
  return program;
}

/** Runs the CLI with argv (without node and the script) and resolves to the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    return reportError(e, argv.includes('--verbose'));
  }
}
