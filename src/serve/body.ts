// Reading a JSON request body: content type checked, size bounded while streaming, parsed without
// prototype pollution. Frameworks that already parsed the body (express.json()) hand it over in `req.body`.
import type { IncomingMessage } from 'node:http';
import { type Issue, MlinferError } from '../errors.js';

/** Content types accepted as JSON; a missing Content-Type is read as JSON too (curl --data-binary, wrk). */
function isJsonType(header: string | undefined): boolean {
  if (header === undefined || header === '') return true;
  const type = header.split(';', 1)[0].trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** Keys that could change an object's prototype if a consumer ever merged the parsed body into another object. */
function findPoisonedKey(v: unknown, path: (string | number)[], depth: number): Issue | null {
  if (typeof v !== 'object' || v === null || depth > 64) return null;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const found = findPoisonedKey(v[i], [...path, i], depth + 1);
      if (found) return found;
    }
    return null;
  }
  const o = v as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    const bad =
      key === '__proto__' ||
      (key === 'constructor' &&
        typeof o[key] === 'object' &&
        o[key] !== null &&
        'prototype' in (o[key] as object));
    if (bad)
      return {
        path: [...path, key],
        kind: 'forbidden_key',
        message: `the key ${JSON.stringify(key)} is not allowed in a request body`,
      };
    const found = findPoisonedKey(o[key], [...path, key], depth + 1);
    if (found) return found;
  }
  return null;
}

/**
 * Parses JSON text safely: a syntax error is a 400 (MLI_INVALID_DATA) with the parser's message, and a
 * body with a `__proto__` key (or `constructor.prototype`) is refused, as secure-json-parse does.
 * Numbers too large for a double parse to Infinity; the record encoder rejects them as invalid values.
 *
 * @example
 * parseJsonSafe('{"features": [1, 2]}'); // { features: [1, 2] }
 */
export function parseJsonSafe(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new MlinferError(
      'MLI_INVALID_DATA',
      `the request body is not valid JSON: ${(e as Error).message}`,
      {
        issues: [{ path: [], kind: 'invalid_json', message: (e as Error).message }],
      },
    );
  }
  return checkParsed(value, text);
}

function checkParsed(value: unknown, text?: string): unknown {
  // The walk only runs when the text could hold such a key: the usual body is never walked.
  if (text !== undefined && !text.includes('__proto__') && !text.includes('constructor')) return value;
  const bad = findPoisonedKey(value, [], 0);
  if (bad) throw new MlinferError('MLI_INVALID_DATA', bad.message, { issues: [bad] });
  return value;
}

/**
 * Reads the body of a request as JSON, at most `limit` bytes. Throws MLI_UNSUPPORTED_MEDIA_TYPE (415) for
 * a non-JSON Content-Type, MLI_PAYLOAD_TOO_LARGE (413) as soon as the declared or received size passes
 * the limit (without buffering the rest), MLI_INVALID_DATA (400) for bad JSON or an empty body.
 *
 * @example
 * const body = await readJsonBody(req, 1 << 20);
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  if (!isJsonType(req.headers['content-type']))
    throw new MlinferError(
      'MLI_UNSUPPORTED_MEDIA_TYPE',
      `the request body must be application/json, got ${req.headers['content-type']}`,
    );
  if (req.readableEnded) {
    // The stream was read before us: by express.json(), Fastify's parser, or another middleware.
    const pre = (req as { body?: unknown }).body;
    if (pre === undefined)
      throw new MlinferError(
        'MLI_INVALID_DATA',
        'the request body was already read by another middleware and not left in req.body',
      );
    if (typeof pre === 'string') return parseJsonSafe(pre);
    if (pre instanceof Uint8Array) return parseJsonSafe(Buffer.from(pre).toString('utf8'));
    return checkParsed(pre);
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const text = await readText(req, limit);
  if (text.trim() === '')
    throw new MlinferError('MLI_INVALID_DATA', 'the request body is empty', {
      issues: [{ path: [], kind: 'empty_body', message: 'the request body is empty' }],
    });
  return parseJsonSafe(text);
}

function tooLarge(limit: number): MlinferError {
  return new MlinferError('MLI_PAYLOAD_TOO_LARGE', `the request body is larger than ${limit} bytes`);
}

function readText(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: Error | null, text?: string) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (err) {
        // Keep draining (and discarding) so the response can still be written.
        req.resume();
        reject(err);
      } else resolve(text!);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) finish(tooLarge(limit));
      else chunks.push(c);
    };
    const onEnd = () => finish(null, Buffer.concat(chunks, size).toString('utf8'));
    const onError = (e: Error) =>
      finish(new MlinferError('MLI_ABORTED', `reading the request body failed: ${e.message}`));
    const onAborted = () => finish(new MlinferError('MLI_ABORTED', 'the client aborted the request'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}
