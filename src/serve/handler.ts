/**
 * createHandler: the HTTP adapter as one `(req, res, next?)` function, so it embeds in node:http,
 * Express (as middleware or mounted under a path) and Fastify (a hijacked catch-all route), and
 * `mlinfer serve` runs it standalone (server.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { assertOptions, c, type Spec } from '../constraints.js';
import { MlinferError } from '../errors.js';
import type { Predictor, WindowCounts } from '../predict/predictor.js';
import { createBearerCheck } from './auth.js';
import { readJsonBody } from './body.js';
import { driftOfPredictor } from './drift-route.js';
import { infer, modelMetadata, serverMetadata } from './kserve.js';
import { createServeMetrics, type ServeMetrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import { clusterMetrics, type Peers, type ProcessState, peerWindows } from './peers.js';
import { explainBody, explainQuery, predictBody } from './predict-route.js';
import { sendJson, sendText, toErrorResponse } from './respond.js';
import { MethodNotAllowed, matchRoute, PUBLIC_ROUTES, pathOf, queryOf, type RouteMatch } from './routes.js';

export interface HandlerOptions {
  /** The name in `/v2/models/{name}` and the metrics; default `model`. */
  modelName?: string;
  /** Largest request body in bytes; default 1 MiB. Larger bodies get 413 without being buffered. */
  maxBodyBytes?: number;
  /** Most records in one request (`instances`, or the rows of an infer request); default 10,000. */
  maxInstances?: number;
  /** When set, every route but the health routes needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Serve `GET /metrics`; default true. */
  metrics?: boolean;
  /** Add prom-client's process metrics (CPU, memory, event loop lag) to the handler's registry; default false. */
  defaultMetrics?: boolean;
  /** Called with every unexpected (500) error; the client only sees "internal error". Default: one line on stderr. */
  onError?: (error: unknown, req: IncomingMessage) => void;
  /**
   * The other processes serving this model behind the same port (`mlinfer serve --workers` sets it): `/metrics`
   * and `/drift` then add up what every process counted. Default: this process alone.
   */
  peers?: Peers;
}

/** The handler: a function, plus the controls a server needs for readiness and graceful shutdown. */
export interface MlinferHandler {
  (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void;
  /** Readiness (`/readyz`, `/v2/health/ready`, model ready). Set it to false to drain before shutdown. */
  ready: boolean;
  /** When true, responses carry `Connection: close`, so keep-alive clients move to another instance. */
  draining: boolean;
  /** Requests being handled now. */
  readonly inFlight: number;
  /** Resolves once no request is in flight. */
  idle(): Promise<void>;
  readonly metrics: ServeMetrics;
  readonly predictor: Predictor;
  /** What this process counted, for its peers (see `peers`). */
  processState(): Promise<ProcessState>;
}

const DEFAULTS = { modelName: 'model', maxBodyBytes: 1 << 20, maxInstances: 10_000 };

/** createHandler's options, declared once. */
const HANDLER_SPEC: Spec = {
  modelName: [
    c.custom("1-128 characters of letters, digits, '.', '_' or '-'", (v) =>
      typeof v === 'string' ? /^[A-Za-z0-9._-]{1,128}$/.test(v) : false,
    ),
  ],
  maxBodyBytes: [c.integer({ min: 1 })],
  maxInstances: [c.integer({ min: 1 })],
  token: [
    c.custom('a string of at least 16 characters without spaces', (v) =>
      typeof v === 'string' ? v.length >= 16 && !/\s/.test(v) : false,
    ),
  ],
  metrics: [c.boolean],
  defaultMetrics: [c.boolean],
  onError: [c.function],
  peers: [c.function],
};

function checkPredictor(p: unknown): asserts p is Predictor {
  const ok =
    typeof p === 'object' &&
    p !== null &&
    typeof (p as Predictor).predictAsync === 'function' &&
    typeof (p as Predictor).predictMany === 'function';
  if (!ok)
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      'createHandler needs a predictor from createPredictor(), got something else',
    );
}

/** Counts requests in flight; idle() resolves once none is (for graceful shutdown). */
function inFlightCounter() {
  let count = 0;
  let waiters: (() => void)[] = [];
  return {
    get count() {
      return count;
    },
    start() {
      count++;
    },
    end() {
      count--;
      if (count === 0 && waiters.length) {
        const w = waiters;
        waiters = [];
        for (const f of w) f();
      }
    },
    idle: () => (count === 0 ? Promise.resolve() : new Promise<void>((r) => waiters.push(r))),
  };
}

/** The predictor's drift window counts, or null when it has none (no profile, window off, not ours). */
function windowCountsOf(predictor: Predictor): WindowCounts | null {
  try {
    return typeof predictor.driftCounts === 'function' ? predictor.driftCounts() : null;
  } catch {
    return null;
  }
}

function logInternalError(e: unknown, req: IncomingMessage): void {
  process.stderr.write(
    `mlinfer: internal error on ${req.method} ${pathOf(req.url)}: ${(e as Error)?.stack ?? e}\n`,
  );
}

/**
 * Matches a request to a route. An unknown path is passed to `next` when the handler is middleware
 * ('passed'), else answered 404; a known path with another method is answered 405. Either way the
 * request is still counted in the metrics (m is null then).
 */
function matchRequest(
  req: IncomingMessage,
  res: ServerResponse,
  next: ((err?: unknown) => void) | undefined,
): { m: RouteMatch | null; route: string; errorCode?: string } | 'passed' {
  let m: RouteMatch | null;
  try {
    m = matchRoute(req.method ?? 'GET', pathOf(req.url));
  } catch (e) {
    const { status, body } = toErrorResponse(e);
    const allowed = e instanceof MethodNotAllowed;
    sendJson(res, status, body, allowed ? { Allow: e.allow } : undefined);
    return { m: null, route: allowed ? e.template : 'unmatched', errorCode: 'MLI_METHOD_NOT_ALLOWED' };
  }
  if (m !== null) return { m, route: 'unmatched' };
  // Not one of ours: as middleware, let the app handle it.
  if (next) {
    next();
    return 'passed';
  }
  const { status, body } = toErrorResponse(
    new MlinferError('MLI_NOT_FOUND', `no route ${req.method} ${pathOf(req.url)}; see GET /openapi.json`),
  );
  sendJson(res, status, body);
  return { m: null, route: 'unmatched', errorCode: 'MLI_NOT_FOUND' };
}

/** Answers a failed route with its error (500s reported to onError); returns the error code for the metrics. */
function sendError(
  res: ServerResponse,
  e: unknown,
  req: IncomingMessage,
  onError: (error: unknown, req: IncomingMessage) => void,
): string {
  const { status, body, internal } = toErrorResponse(e);
  if (internal) onError(e, req);
  const extra: Record<string, string> | undefined =
    status === 401
      ? { 'WWW-Authenticate': 'Bearer realm="mlinfer"' }
      : status === 413
        ? { Connection: 'close' }
        : undefined;
  sendJson(res, status, body, extra);
  return body.code;
}

/**
 * Creates the HTTP handler for a predictor.
 *
 * @example
 * import http from 'node:http';
 * import { createPredictor, createHandler } from 'mlinfer';
 * const handler = createHandler(createPredictor('churn.mlinfer'), { modelName: 'churn' });
 * http.createServer(handler).listen(8000);
 * // Express: app.use('/ml', handler)    Fastify: see examples/fastify.mjs
 */
export function createHandler(
  predictor: Predictor & { readonly loadedAt?: number },
  options: HandlerOptions = {},
): MlinferHandler {
  checkPredictor(predictor);
  assertOptions(options, HANDLER_SPEC, 'handler options');
  const modelName = options.modelName ?? DEFAULTS.modelName;
  const maxBody = options.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
  const maxInstances = options.maxInstances ?? DEFAULTS.maxInstances;
  const checkAuth = options.token ? createBearerCheck(options.token) : null;
  const metricsOn = options.metrics ?? true;
  const onError = options.onError ?? logInternalError;
  const createdAt = Date.now();
  const peers = options.peers;
  // the peers' windows as of the last scrape, for the drift gauges of the next collection
  let peerCounts: WindowCounts[] = [];
  const metrics = createServeMetrics(predictor, modelName, () => predictor.loadedAt ?? createdAt, {
    defaultMetrics: options.defaultMetrics,
    ...(peers ? { driftReport: () => predictor.drift({}, peerCounts), processes: true } : {}),
  });
  const count = (labels: readonly (string | number)[]) =>
    metrics.countPredictions(predictor.model.classes ? labels : labels.map(() => 'value'));
  const ctx = { predictor, modelName, maxInstances, count };
  const flight = inFlightCounter();

  const checkModel = (m: RouteMatch): void => {
    if (m.name !== modelName)
      throw new MlinferError(
        'MLI_NOT_FOUND',
        `no model named ${JSON.stringify(m.name)}; this server serves ${JSON.stringify(modelName)}`,
      );
    if (m.version !== undefined && m.version !== predictor.modelVersion)
      throw new MlinferError(
        'MLI_NOT_FOUND',
        `model ${modelName} has no version ${JSON.stringify(m.version)}; serving ${predictor.modelVersion}`,
      );
  };

  const notReady = () => new MlinferError('MLI_NOT_READY', 'the server is not ready (shutting down)');

  /** Runs a route and resolves to [status, body] or a text response. */
  const run = async (m: RouteMatch, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (checkAuth && !PUBLIC_ROUTES.has(m.id)) checkAuth(req);
    switch (m.id) {
      case 'healthz':
      case 'v2.live':
        return sendJson(res, 200, m.id === 'v2.live' ? { live: true } : { status: 'ok' });
      case 'readyz':
      case 'v2.ready':
        if (!handler.ready) throw notReady();
        return sendJson(
          res,
          200,
          m.id === 'v2.ready' ? { ready: true } : { status: 'ready', modelVersion: predictor.modelVersion },
        );
      case 'metrics': {
        if (!metricsOn) throw new MlinferError('MLI_NOT_FOUND', 'metrics are turned off');
        let text: string;
        if (peers) {
          const states = await peers();
          peerCounts = peerWindows(states);
          text = await clusterMetrics(metrics, states);
        } else text = await metrics.registry.metrics();
        return sendText(res, 200, text, metrics.registry.contentType);
      }
      case 'openapi':
        return sendJson(res, 200, openApiDocument(predictor.model, modelName, { auth: checkAuth !== null }));
      case 'v2.server':
        return sendJson(res, 200, serverMetadata());
      case 'v2.model':
        checkModel(m);
        return sendJson(res, 200, modelMetadata(predictor.model, modelName));
      case 'v2.model.ready':
        checkModel(m);
        if (!handler.ready) throw notReady();
        return sendJson(res, 200, { name: modelName, ready: true });
      case 'v2.infer': {
        checkModel(m);
        const body = await readJsonBody(req, maxBody);
        return sendJson(res, 200, infer(ctx, body));
      }
      case 'predict': {
        const body = await readJsonBody(req, maxBody);
        return sendJson(res, 200, await predictBody(ctx, body));
      }
      case 'drift': {
        const others = peers ? peerWindows(await peers()) : [];
        return sendJson(res, 200, driftOfPredictor(predictor, queryOf(req.url), others));
      }
      case 'explain': {
        const body = await readJsonBody(req, maxBody);
        return sendJson(res, 200, explainBody(ctx, body, explainQuery(queryOf(req.url))));
      }
    }
  };

  const handler = ((req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => {
    const started = process.hrtime.bigint();
    const matched = matchRequest(req, res, next);
    if (matched === 'passed') return;
    let { route, errorCode } = matched;
    const m = matched.m;
    flight.start();
    res.once('close', () => {
      flight.end();
      metrics.observe(
        route,
        req.method ?? 'GET',
        res.statusCode,
        Number(process.hrtime.bigint() - started) / 1e9,
        errorCode,
      );
    });
    if (m === null) return;
    route = m.template;
    if (handler.draining) res.setHeader('Connection', 'close');
    run(m, req, res).catch((e: unknown) => {
      errorCode = sendError(res, e, req, onError);
    });
  }) as MlinferHandler;

  Object.defineProperties(handler, {
    inFlight: { get: () => flight.count },
    metrics: { value: metrics },
    predictor: { value: predictor },
    processState: {
      value: async (): Promise<ProcessState> => ({
        metrics: await metrics.local.getMetricsAsJSON(),
        drift: windowCountsOf(predictor),
      }),
    },
  });
  handler.ready = true;
  handler.draining = false;
  handler.idle = flight.idle;
  return handler;
}
