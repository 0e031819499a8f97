// Bearer-token auth. The comparison runs in constant time: both sides are hashed to 32 bytes first, so
// neither the token's content nor its length leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { MlinferError } from '../errors.js';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * Returns a check that passes when the request carries `Authorization: Bearer <token>`, else throws
 * MLI_UNAUTHORIZED (401).
 *
 * @example
 * const check = createBearerCheck(process.env.MLINFER_TOKEN!);
 * check(req); // throws MlinferError MLI_UNAUTHORIZED on a missing or wrong token
 */
export function createBearerCheck(token: string): (req: IncomingMessage) => void {
  const expected = digest(token);
  return (req) => {
    const header = req.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
    if (!m)
      throw new MlinferError('MLI_UNAUTHORIZED', 'missing bearer token (Authorization: Bearer <token>)');
    if (!timingSafeEqual(digest(m[1]), expected))
      throw new MlinferError('MLI_UNAUTHORIZED', 'invalid bearer token');
  };
}

/** True for addresses only this machine can reach: auth is off there unless a token is given. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::ffff:127.0.0.1';
}
