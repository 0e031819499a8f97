// The route table: a request's method and path to a route template (used as the metrics label, so label
// values stay bounded) and its parameters. Unknown paths are 404, known paths with another method 405.
import { MlinferError } from '../errors.js';

export type RouteId =
  | 'predict'
  | 'explain'
  | 'drift'
  | 'healthz'
  | 'readyz'
  | 'metrics'
  | 'openapi'
  | 'v2.server'
  | 'v2.live'
  | 'v2.ready'
  | 'v2.model'
  | 'v2.model.ready'
  | 'v2.infer';

export interface RouteMatch {
  id: RouteId;
  /** The route template, for example `/v2/models/{name}/infer`. */
  template: string;
  /** `/v2/models/{name}[/versions/{version}]` parameters. */
  name?: string;
  version?: string;
}

/** Routes that answer without a token: orchestrators probe them and they reveal nothing. */
export const PUBLIC_ROUTES: ReadonlySet<RouteId> = new Set(['healthz', 'readyz', 'v2.live', 'v2.ready']);

const GET = ['GET', 'HEAD'];
const POST = ['POST'];

const FIXED: Record<string, { id: RouteId; methods: string[] }> = {
  '/predict': { id: 'predict', methods: POST },
  '/explain': { id: 'explain', methods: POST },
  '/drift': { id: 'drift', methods: GET },
  '/healthz': { id: 'healthz', methods: GET },
  '/readyz': { id: 'readyz', methods: GET },
  '/metrics': { id: 'metrics', methods: GET },
  '/openapi.json': { id: 'openapi', methods: GET },
  '/v2': { id: 'v2.server', methods: GET },
  '/v2/health/live': { id: 'v2.live', methods: GET },
  '/v2/health/ready': { id: 'v2.ready', methods: GET },
};

// v2/models/<name>[/versions/<version>][/ready|/infer]
const MODEL_RE = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(?:\/(ready|infer))?$/;

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new MlinferError('MLI_NOT_FOUND', 'the path is not valid (bad percent-encoding)');
  }
}

/** The path of a request URL without the query string and trailing slash. */
export function pathOf(url: string | undefined): string {
  let p = url ?? '/';
  const q = p.indexOf('?');
  if (q >= 0) p = p.slice(0, q);
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

/** The query parameters of a request URL. */
export function queryOf(url: string | undefined): URLSearchParams {
  const p = url ?? '';
  const q = p.indexOf('?');
  return new URLSearchParams(q >= 0 ? p.slice(q + 1) : '');
}

/**
 * Matches a request. Returns null for an unknown path; throws MLI_METHOD_NOT_ALLOWED (405) with the
 * allowed methods in `allow` for a known path and another method.
 *
 * @example
 * matchRoute('POST', '/v2/models/churn/infer'); // { id: 'v2.infer', template: '/v2/models/{name}/infer', name: 'churn' }
 */
export function matchRoute(method: string, path: string): RouteMatch | null {
  const fixed = FIXED[path];
  let match: RouteMatch | null = null;
  let methods: string[] = [];
  if (fixed && Object.hasOwn(FIXED, path)) {
    match = { id: fixed.id, template: path };
    methods = fixed.methods;
  } else {
    const m = MODEL_RE.exec(path);
    if (!m) return null;
    const versioned = m[2] !== undefined ? '/versions/{version}' : '';
    const tail = m[3] ? `/${m[3]}` : '';
    const id: RouteId = m[3] === 'infer' ? 'v2.infer' : m[3] === 'ready' ? 'v2.model.ready' : 'v2.model';
    match = {
      id,
      template: `/v2/models/{name}${versioned}${tail}`,
      name: decode(m[1]),
      version: m[2] === undefined ? undefined : decode(m[2]),
    };
    methods = id === 'v2.infer' ? POST : GET;
  }
  if (!methods.includes(method)) throw methodNotAllowed(method, methods, match.template);
  return match;
}

export class MethodNotAllowed extends MlinferError {
  constructor(
    message: string,
    readonly allow: string,
    readonly template: string,
  ) {
    super('MLI_METHOD_NOT_ALLOWED', message);
  }
}

function methodNotAllowed(method: string, methods: string[], template: string): MethodNotAllowed {
  return new MethodNotAllowed(
    `${method} is not allowed on ${template}; use ${methods.join(' or ')}`,
    methods.join(', '),
    template,
  );
}
