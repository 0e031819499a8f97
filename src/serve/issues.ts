// Rewriting the issue paths of a validation error so that they point into the request body.
import { type Issue, isMlinferError, MlinferError } from '../errors.js';

/** Returns `e` with every issue path mapped by `map` (other errors are returned as they are). */
export function mapIssuePaths(e: unknown, map: (path: Issue['path']) => Issue['path']): unknown {
  if (!isMlinferError(e) || e.issues.length === 0) return e;
  return new MlinferError(e.code, e.message, {
    issues: e.issues.map((i) => ({ ...i, path: map(i.path) })),
    cause: e,
  });
}

/** A 400 for a request body of the wrong shape, with one issue at `path`. */
export function badShape(path: Issue['path'], message: string, expected?: string): MlinferError {
  return new MlinferError('MLI_INVALID_DATA', message, {
    issues: [{ path, kind: 'invalid_shape', message, expected }],
  });
}
