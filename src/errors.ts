/**
 * One error class for everything mlinfer throws on purpose, with a stable `code`.
 * The table below is the single place where a code maps to an HTTP status and a CLI exit code,
 * so the CLI, the HTTP adapter and library users all agree on what a failure means.
 */

/** One problem found by validation, as data (zod-style): where it is, and what is wrong. */
export interface Issue {
  /** Where: for a record field `['age']`, for a CSV cell `[row, 'age']`, for an option `['maxDepth']`. */
  path: (string | number)[];
  message: string;
  /** What was expected, for example `number` or `one of a, b, c`. */
  expected?: string;
  /** What was received, shortened for display. */
  received?: string;
  /** A machine-readable kind, for example `missing_column` or `unknown_category`. */
  kind?: string;
}

export const ERROR_CODES = {
  MLI_INVALID_OPTION: { http: 400, exit: 2, summary: 'an option has an invalid value' },
  MLI_INVALID_DATA: { http: 400, exit: 1, summary: 'the training or input data is invalid' },
  MLI_SCHEMA_MISMATCH: { http: 400, exit: 1, summary: 'a record does not match the model schema' },
  MLI_CSV_PARSE: { http: 400, exit: 1, summary: 'a CSV or JSON Lines input could not be parsed' },
  MLI_MODEL_CORRUPT: { http: 500, exit: 1, summary: 'the model file is truncated or corrupt' },
  MLI_MODEL_FOREIGN: { http: 500, exit: 1, summary: 'the file is not an mlinfer model' },
  MLI_MODEL_VERSION: { http: 500, exit: 1, summary: 'the model file needs a newer mlinfer' },
  MLI_MODEL_UNSUPPORTED: {
    http: 422,
    exit: 1,
    summary: 'an imported model uses something mlinfer cannot score exactly',
  },
  MLI_NOT_FOUND: { http: 404, exit: 1, summary: 'a file or resource does not exist' },
  MLI_IO: { http: 500, exit: 1, summary: 'reading or writing a file failed' },
  MLI_TOO_MANY_REJECTS: {
    http: 400,
    exit: 3,
    summary: 'the run finished with more rejected rows than allowed',
  },
  MLI_OVERLOADED: { http: 503, exit: 1, summary: 'the queue is full' },
  MLI_UNAUTHORIZED: { http: 401, exit: 1, summary: 'a missing or wrong bearer token' },
  MLI_METHOD_NOT_ALLOWED: { http: 405, exit: 1, summary: 'the route exists but not for this HTTP method' },
  MLI_PAYLOAD_TOO_LARGE: { http: 413, exit: 1, summary: 'the request body is larger than allowed' },
  MLI_UNSUPPORTED_MEDIA_TYPE: { http: 415, exit: 1, summary: 'the request body is not JSON' },
  MLI_NOT_READY: { http: 503, exit: 1, summary: 'no model is loaded yet' },
  MLI_ABORTED: { http: 503, exit: 1, summary: 'the operation was aborted' },
  MLI_CANNOT_EXPLAIN: {
    http: 422,
    exit: 1,
    summary:
      'the model has no node statistics to explain with (a format 1.0 file or an imported forest), or is an imported boosted ensemble',
  },
  MLI_NO_PROFILE: {
    http: 422,
    exit: 1,
    summary:
      'the model has no training profile to compare with (a file before format 1.2 or an imported model)',
  },
  MLI_DRIFT: {
    http: 422,
    exit: 4,
    summary: 'the data drifted past the act level (batch --fail-on-drift)',
  },
  MLI_WORKER_FAILED: { http: 500, exit: 1, summary: 'a worker thread failed' },
  MLI_INTERNAL: { http: 500, exit: 1, summary: 'an unexpected internal error' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The base class of every error mlinfer throws on purpose. `issues` lists every problem found, not only the first. */
export class MlinferError extends Error {
  readonly code: ErrorCode;
  readonly issues: Issue[];

  constructor(code: ErrorCode, message: string, options: { issues?: Issue[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MlinferError';
    this.code = code;
    this.issues = options.issues ?? [];
  }

  /** The HTTP status this error maps to. */
  get status(): number {
    return ERROR_CODES[this.code].http;
  }

  /** The CLI exit code this error maps to. */
  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }

  toJSON(): { error: string; code: ErrorCode; issues: Issue[] } {
    return { error: this.message, code: this.code, issues: this.issues };
  }
}

/** True when `e` is an MlinferError, also across bundle copies (ESM and CJS loaded together). */
export function isMlinferError(e: unknown): e is MlinferError {
  return (
    e instanceof MlinferError ||
    (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'MlinferError' && 'code' in e)
  );
}

/**
 * Throws `code` listing every issue, when there is at least one. The code is explicit because the same kind of
 * list can be about options (MLI_INVALID_OPTION, exit 2) or about data (MLI_INVALID_DATA, exit 1).
 */
export function throwIfIssues(code: ErrorCode, issues: Issue[], what: string): void {
  if (issues.length === 0) return;
  const lines = issues.map((i) => i.message);
  throw new MlinferError(code, `invalid ${what}: ${lines.join('; ')}`, { issues });
}
