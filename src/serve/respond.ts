// Writing responses. Every error a client sees goes through `errorBody`/`statusOf`: the status comes from
// ERROR_CODES (src/errors.ts), and nothing but the message and issues of an MlinferError leaves the
// process, so clients never see stack traces or internal details.
import type { ServerResponse } from 'node:http';
import { ERROR_CODES, type Issue, isMlinferError, MlinferError } from '../errors.js';

/** The JSON body of every error response: `{ error, code, issues }` (KServe clients read `error`). */
export interface ErrorBody {
  error: string;
  code: string;
  issues: Issue[];
}

/** Issues shown to a client at most: a batch of 10k bad rows must not turn into a 10 MB error body. */
const MAX_ISSUES = 100;

/** Maps anything thrown to a status and a body; unexpected errors become a bare 500 with no details. */
export function toErrorResponse(e: unknown): { status: number; body: ErrorBody; internal: boolean } {
  if (isMlinferError(e)) {
    const known = ERROR_CODES[e.code] !== undefined;
    const err = known ? e : new MlinferError('MLI_INTERNAL', 'internal error');
    return {
      status: ERROR_CODES[err.code].http,
      body: { error: err.message, code: err.code, issues: err.issues.slice(0, MAX_ISSUES) },
      internal:
        ERROR_CODES[err.code].http >= 500 && err.code !== 'MLI_OVERLOADED' && err.code !== 'MLI_NOT_READY',
    };
  }
  return {
    status: ERROR_CODES.MLI_INTERNAL.http,
    body: { error: 'internal error', code: 'MLI_INTERNAL', issues: [] },
    internal: true,
  };
}

/** Sends a JSON body with the right length; `extra` adds headers (Allow, WWW-Authenticate, ...). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  extra?: Record<string, string>,
): void {
  const text = JSON.stringify(body);
  sendText(res, status, text, 'application/json; charset=utf-8', extra);
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  contentType: string,
  extra?: Record<string, string>,
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (extra) for (const [k, v] of Object.entries(extra)) res.setHeader(k, v);
  res.end(text);
}
