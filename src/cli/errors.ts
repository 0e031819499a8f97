// Where CLI failures become one line on stderr and an exit code (the codes come from the table in errors.ts).
import { CommanderError } from 'commander';
import { ERROR_CODES, isMlinferError } from '../errors.js';

/** Exit codes a scheduler can act on. */
export const EXIT = {
  OK: 0,
  /** A runtime failure: bad data, a missing file, a corrupt model. */
  FAILURE: 1,
  /** A usage error: an unknown flag, a bad option value. */
  USAGE: 2,
  /** The run finished, but more rows were rejected than --max-errors allows. */
  TOO_MANY_REJECTS: ERROR_CODES.MLI_TOO_MANY_REJECTS.exit,
} as const;

/** A failure already reported by another process (a `serve --workers` worker): exit with its code, print nothing. */
export class ReportedFailure extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

/** Prints one clear line (the stack only with --verbose) and returns the exit code for `e`. */
export function reportError(e: unknown, verbose: boolean): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  if (e instanceof ReportedFailure) return e.exitCode;
  if (isMlinferError(e)) {
    process.stderr.write(`mlinfer: error: ${e.message} [${e.code}]\n`);
    if (verbose) {
      for (const i of e.issues.slice(0, 50)) process.stderr.write(`  - ${i.path.join('.')}: ${i.message}\n`);
      if (e.stack) process.stderr.write(`${e.stack}\n`);
    }
    return e.exitCode;
  }
  const err = e as Error;
  process.stderr.write(`mlinfer: internal error: ${err?.message ?? String(e)}\n`);
  if (verbose && err?.stack) process.stderr.write(`${err.stack}\n`);
  else process.stderr.write('  (run with --verbose for details)\n');
  return EXIT.FAILURE;
}
